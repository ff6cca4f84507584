// SPDX-License-Identifier: Apache-2.0
// Bounded JSON parsing (model/core): every JSON lorag reads (config.json,
// tokenizer.json, adapter_config.json, --config, JSONL rows, server bodies) goes
// through parse_json so that hostile nesting is refused before nlohmann builds it.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace lorag {

// Deepest nesting of arrays/objects accepted. Real files nest below 20 levels
// (tokenizer.json's pre-tokenizer sequences are the deepest seen); 200,000 levels
// overflowed the stack in nlohmann's recursive destructor and dump().
constexpr int kMaxJsonDepth = 256;

// The deepest array/object nesting in `text` (0 for a scalar), counted outside
// strings; stops counting and returns `limit + 1` as soon as `limit` is exceeded.
// Linear in the text, no allocation; malformed text is left to the parser.
int json_depth(std::string_view text, int limit = kMaxJsonDepth);

// json::parse(text) after checking json_depth(text) <= max_depth. Throws
// FormatError "`source`: JSON nested deeper than N levels" on deep input; a
// syntax error still throws nlohmann::json::parse_error, so callers keep their
// own message for it.
nlohmann::json parse_json(std::string_view text, const std::string& source, int max_depth = kMaxJsonDepth);

// The one reader of whole JSON files (config.json, tokenizer.json,
// adapter_config.json, --config, store manifests, checkpoint state): read_file
// (IoError naming the path; FIFOs and folders refused), then parse_json.
// Throws FormatError "`path`: invalid JSON (why)" on a syntax error.
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace lorag
