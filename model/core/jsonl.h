// SPDX-License-Identifier: Apache-2.0
// The one JSONL reader (model/core): datasets, batch prompts, evaluation
// questions and documents all read their lines through for_each_jsonl_record,
// so every bad line is reported the same way, as "file:line: ...".
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace lorag {

struct JsonlOptions {
  // Skip lines that throw FormatError (bad JSON, or the caller's own check)
  // instead of stopping; for_each_jsonl_record returns how many it skipped.
  bool skip_bad_lines = false;
};

// Called with one parsed line (always a JSON object), "file:line" for messages,
// and the 1-based line number.
using JsonlRowFn = std::function<void(const nlohmann::json& row, const std::string& where, std::size_t line)>;

// Reads `path` line by line: blank lines (spaces, tabs, a CR) are skipped, each
// other line is parsed with parse_json (bounded nesting) and must be an object.
// Throws IoError "file: cannot open: why" (a FIFO or folder is refused before it
// is opened), FormatError "file:N: text is not valid UTF-8 (bad byte at column
// C)", "file:N: invalid JSON (why)" and "file:N: expected a JSON object, got
// array". Returns the number of lines skipped under
// options.skip_bad_lines.
std::size_t for_each_jsonl_record(const std::filesystem::path& path, const JsonlRowFn& on_row,
                                  const JsonlOptions& options = {});

// One line's check and parse as for_each_jsonl_record does it, for readers whose
// lines may also be plain text (--queries files); `where` is "file:line".
nlohmann::json parse_jsonl_line(const std::string& line, const std::string& where);

}  // namespace lorag
