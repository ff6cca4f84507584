// SPDX-License-Identifier: Apache-2.0
// API key parsing and constant-time lookup (serve/).
#include "serve/access_control.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"

namespace lorag::serve {
namespace {

bool allowed(const std::vector<std::string>& list, const std::string& name) {
  return list.empty() || std::find(list.begin(), list.end(), "*") != list.end() ||
         std::find(list.begin(), list.end(), name) != list.end();
}

std::vector<std::string> name_list(const nlohmann::json& entry, const char* field, const std::string& where) {
  std::vector<std::string> out;
  auto it = entry.find(field);
  if (it == entry.end() || it->is_null()) return out;
  LORAG_CHECK(it->is_array(), ConfigError, where, ".", field, ": expected an array of names, got ", it->type_name());
  for (const auto& v : *it) {
    LORAG_CHECK(v.is_string() && !v.get_ref<const std::string&>().empty(), ConfigError, where, ".", field,
                ": expected non-empty strings, got ", v.dump());
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

bool ApiKey::may_use_model(const std::string& name) const { return allowed(models, name); }
bool ApiKey::may_use_store(const std::string& name) const { return allowed(stores, name); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the longer string is visited whatever the contents, so only
  // the lengths can leak through timing (as in OpenSSL's CRYPTO_memcmp use).
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

AccessControl::AccessControl(std::vector<ApiKey> keys) : keys_(std::move(keys)) {
  std::set<std::string> ids;
  std::set<std::string> secrets;
  for (const ApiKey& k : keys_) {
    LORAG_CHECK(!k.id.empty(), ConfigError, "api keys: a key has an empty id");
    LORAG_CHECK(!k.key.empty(), ConfigError, "api keys: key '", k.id, "' is empty");
    LORAG_CHECK(ids.insert(k.id).second, ConfigError, "api keys: id '", k.id, "' appears twice");
    LORAG_CHECK(secrets.insert(k.key).second, ConfigError, "api keys: key '", k.id,
                "' has the same secret as another key");
  }
}

AccessControl AccessControl::single_key(const std::string& key) {
  LORAG_CHECK(!key.empty(), ConfigError, "--api-key: the key is empty");
  return AccessControl({ApiKey{"default", key, {}, {}, true}});
}

AccessControl AccessControl::from_json_text(const std::string& text, const std::string& origin) {
  nlohmann::json doc;
  try {
    doc = parse_json(text, origin);  // bounded nesting, as every JSON lorag reads
  } catch (const nlohmann::json::exception& e) {
    LORAG_FAIL(ConfigError, origin, ": invalid JSON (", e.what(), ")");
  }
  LORAG_CHECK(doc.is_object() && doc.contains("keys") && doc["keys"].is_array(), ConfigError, origin,
              ": expected {\"keys\": [{\"id\": ..., \"key\": ...}, ...]}");
  std::vector<ApiKey> keys;
  for (size_t i = 0; i < doc["keys"].size(); ++i) {
    const auto& e = doc["keys"][i];
    const std::string where = origin + ": keys[" + std::to_string(i) + "]";
    LORAG_CHECK(e.is_object(), ConfigError, where, ": expected an object, got ", e.type_name());
    ApiKey k;
    LORAG_CHECK(e.contains("id") && e["id"].is_string(), ConfigError, where, ".id: expected a string");
    LORAG_CHECK(e.contains("key") && e["key"].is_string(), ConfigError, where, ".key: expected a string");
    k.id = e["id"].get<std::string>();
    k.key = e["key"].get<std::string>();
    k.models = name_list(e, "models", where);
    k.stores = name_list(e, "stores", where);
    if (e.contains("admin")) {
      LORAG_CHECK(e["admin"].is_boolean(), ConfigError, where, ".admin: expected true or false, got ",
                  e["admin"].dump());
      k.admin = e["admin"].get<bool>();
    }
    keys.push_back(std::move(k));
  }
  LORAG_CHECK(!keys.empty(), ConfigError, origin, ": \"keys\" is empty (hint: drop --api-key-file to serve without keys)");
  return AccessControl(std::move(keys));
}

AccessControl AccessControl::from_file(const std::string& path) {
  return from_json_text(read_file(path), path);  // read_file refuses a FIFO instead of blocking on it
}

std::optional<ApiKey> AccessControl::authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() || authorization.substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  const std::string_view presented = authorization.substr(kBearer.size());
  const ApiKey* match = nullptr;
  for (const ApiKey& k : keys_) {  // no early exit: every key is compared
    if (constant_time_equal(presented, k.key)) match = &k;
  }
  if (!match) return std::nullopt;
  return *match;
}

}  // namespace lorag::serve
