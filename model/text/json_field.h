// SPDX-License-Identifier: Apache-2.0
// Reading tokenizer JSON files (model/text) with errors that name the file and
// the dotted field path, e.g. "x/tokenizer.json: field 'model.vocab' is missing".
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace lorag::model::text {

// Where a JSON value sits: the file it came from and its dotted path in it.
struct JsonPlace {
  std::string file;  // e.g. "models/x/tokenizer.json"
  std::string path;  // e.g. "pre_tokenizer.pretokenizers[1]"; empty at the root

  JsonPlace child(const std::string& key) const { return {file, path.empty() ? key : path + "." + key}; }
  JsonPlace index(std::size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
  // "file: field 'path'" for messages.
  std::string describe() const;
};

// obj[key], which must exist and (unless `type` is null) have that JSON type.
// Throws FormatError naming `place.child(key)` and the type found.
const nlohmann::json& json_field(const nlohmann::json& obj, const std::string& key, const JsonPlace& place,
                                 nlohmann::json::value_t type = nlohmann::json::value_t::null);

// obj[key] as a string / bool / integer, or `fallback` when absent or null.
// Throws FormatError when present with another type.
std::string json_string_or(const nlohmann::json& obj, const std::string& key, const JsonPlace& place,
                           const std::string& fallback);
bool json_bool_or(const nlohmann::json& obj, const std::string& key, const JsonPlace& place, bool fallback);
int64_t json_int_or(const nlohmann::json& obj, const std::string& key, const JsonPlace& place, int64_t fallback);

}  // namespace lorag::model::text
