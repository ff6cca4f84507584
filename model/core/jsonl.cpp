// SPDX-License-Identifier: Apache-2.0
// The one JSONL reader (model/core).
#include "model/core/jsonl.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/text/utf8.h"

namespace lorag {
namespace {

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

// Column (1-based) of the first byte outside a well-formed UTF-8 sequence, or 0.
std::size_t bad_utf8_column(const std::string& line) {
  for (std::size_t pos = 0; pos < line.size();) {
    const std::size_t n = model::text::utf8::valid_length(line, pos);
    if (n == 0) return pos + 1;
    pos += n;
  }
  return 0;
}

}  // namespace

nlohmann::json parse_jsonl_line(const std::string& line, const std::string& where) {
  // Checked before parsing so the message names the column, not nlohmann's token.
  const std::size_t bad = bad_utf8_column(line);
  LORAG_CHECK(bad == 0, FormatError, where, ": text is not valid UTF-8 (bad byte at column ", bad, ")");
  nlohmann::json row;
  try {
    row = parse_json(line, where);
  } catch (const nlohmann::json::exception& e) {
    LORAG_FAIL(FormatError, where, ": invalid JSON (", e.what(), ")");
  }
  LORAG_CHECK(row.is_object(), FormatError, where, ": expected a JSON object, got ", row.type_name());
  return row;
}

std::size_t for_each_jsonl_record(const std::filesystem::path& path, const JsonlRowFn& on_row,
                                  const JsonlOptions& options) {
  check_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  LORAG_CHECK(in.good(), IoError, path.string(), ": cannot open: ", std::strerror(errno));
  std::size_t skipped = 0;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (is_blank(line)) continue;
    if (line.back() == '\r') line.pop_back();
    const std::string where = path.string() + ":" + std::to_string(number);
    try {
      on_row(parse_jsonl_line(line, where), where, number);
    } catch (const FormatError&) {
      // Skipping is the caller's explicit choice (e.g. --skip-bad-lines); it reports the count.
      if (!options.skip_bad_lines) throw;
      ++skipped;
    }
  }
  LORAG_CHECK(in.eof(), IoError, path.string(), ": read failed");
  return skipped;
}

}  // namespace lorag
