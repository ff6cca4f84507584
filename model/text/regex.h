// SPDX-License-Identifier: Apache-2.0
// A compiled PCRE2 regex in Unicode mode (model/text), the engine behind the
// tokenizer.json `Split`/`Replace` patterns and the ByteLevel GPT-2 pattern.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lorag::model::text {

// Compiled once with PCRE2_UTF | PCRE2_UCP (so `\s`, `\p{L}` and `(?i:...)` are
// Unicode-aware, as Oniguruma is in Hugging Face `tokenizers`), JIT-compiled
// when available. Matching is const and thread-safe. Not copyable.
class Regex {
 public:
  // Throws FormatError naming `where` when the pattern does not compile.
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Byte ranges [begin, end) of the successive non-overlapping matches in
  // `text` (valid UTF-8). Empty matches are skipped unless `keep_empty`, which
  // `tokenizers`' Split needs: an empty match still splits the text there (a
  // lookahead-only pattern such as superbpe's `(?=(\d{3})+(?!\d))`).
  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view text, bool keep_empty = false) const;

 private:
  void* code_ = nullptr;  // pcre2_code_8*
};

}  // namespace lorag::model::text
