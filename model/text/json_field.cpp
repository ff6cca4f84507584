// SPDX-License-Identifier: Apache-2.0
// Reading tokenizer JSON files with precise error messages (model/text).
#include "model/text/json_field.h"


#include "model/core/error.h"

namespace lorag::model::text {

std::string JsonPlace::describe() const {
  return path.empty() ? file : file + ": field '" + path + "'";
}

namespace {
const char* type_name(const nlohmann::json& v) { return v.type_name(); }
}  // namespace

const nlohmann::json& json_field(const nlohmann::json& obj, const std::string& key, const JsonPlace& place,
                                 nlohmann::json::value_t type) {
  LORAG_CHECK(obj.is_object(), FormatError, place.describe(), " is ", type_name(obj), ", expected an object");
  auto it = obj.find(key);
  LORAG_CHECK(it != obj.end(), FormatError, place.child(key).describe(), " is missing");
  if (type != nlohmann::json::value_t::null) {
    const bool ok = it->type() == type ||
                    (type == nlohmann::json::value_t::number_integer && it->is_number_integer());
    LORAG_CHECK(ok, FormatError, place.child(key).describe(), " is ", type_name(*it), ", expected ",
                nlohmann::json(type).type_name());
  }
  return *it;
}

namespace {
const nlohmann::json* optional_field(const nlohmann::json& obj, const std::string& key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}
}  // namespace

std::string json_string_or(const nlohmann::json& obj, const std::string& key, const JsonPlace& place,
                           const std::string& fallback) {
  const nlohmann::json* v = optional_field(obj, key);
  if (v == nullptr) return fallback;
  LORAG_CHECK(v->is_string(), FormatError, place.child(key).describe(), " is ", type_name(*v), ", expected string");
  return v->get<std::string>();
}

bool json_bool_or(const nlohmann::json& obj, const std::string& key, const JsonPlace& place, bool fallback) {
  const nlohmann::json* v = optional_field(obj, key);
  if (v == nullptr) return fallback;
  LORAG_CHECK(v->is_boolean(), FormatError, place.child(key).describe(), " is ", type_name(*v), ", expected boolean");
  return v->get<bool>();
}

int64_t json_int_or(const nlohmann::json& obj, const std::string& key, const JsonPlace& place, int64_t fallback) {
  const nlohmann::json* v = optional_field(obj, key);
  if (v == nullptr) return fallback;
  LORAG_CHECK(v->is_number_integer(), FormatError, place.child(key).describe(), " is ", type_name(*v),
              ", expected integer");
  return v->get<int64_t>();
}

}  // namespace lorag::model::text
