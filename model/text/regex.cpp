// SPDX-License-Identifier: Apache-2.0
// PCRE2-backed Unicode regex for the tokenizers (model/text).
#define PCRE2_CODE_UNIT_WIDTH 8
#include "model/text/regex.h"

#include <pcre2.h>

#include "model/core/error.h"

namespace lorag::model::text {

Regex::Regex(const std::string& pattern, const std::string& where) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    LORAG_FAIL(FormatError, where, ": regex does not compile at offset ", offset, ": ",
               reinterpret_cast<const char*>(message), " (pattern '", pattern, "')");
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // a failure just means the interpreter runs
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

std::vector<std::pair<std::size_t, std::size_t>> Regex::find_all(std::string_view text, bool keep_empty) const {
  auto* code = static_cast<pcre2_code*>(code_);
  // Match data is per call so one compiled regex serves many threads.
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t start = 0;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  while (start <= text.size()) {
    // The input was validated once by the caller; skip PCRE2's per-call UTF check.
    const int rc = pcre2_match(code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, data, nullptr);
    if (rc < 0) break;
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data);
    std::size_t b = ov[0], e = ov[1];
    if (e == b) {
      if (keep_empty && b > 0 && b < text.size()) out.emplace_back(b, e);
      // Empty match: step over one whole character so the next search starts on a boundary.
      std::size_t next = b + 1;
      while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
      start = next;
      continue;
    }
    out.emplace_back(b, e);
    start = e;
  }
  pcre2_match_data_free(data);
  return out;
}

}  // namespace lorag::model::text
