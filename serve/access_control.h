// SPDX-License-Identifier: Apache-2.0
// API keys and what each may use (serve/): `--api-key KEY` or `--api-key-file FILE`.
//
// Key file (JSON):
//   {"keys": [
//     {"id": "ops",   "key": "sk-ops-...",   "admin": true},
//     {"id": "alice", "key": "sk-alice-...", "models": ["SmolLM2-135M", "hr-lora"], "stores": ["kb"]}
//   ]}
// `id` names the key in logs (the key itself is never logged); `models` lists the
// base model, adapter and embedding model names the key may use and `stores` the
// stores (absent or ["*"]: all); `admin` allows /v1/load_lora_adapter and
// /v1/unload_lora_adapter (default false). `--api-key KEY` is one admin key "default".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lorag::serve {

struct ApiKey {
  std::string id;                   // e.g. "alice"; appears in the access log
  std::string key;                  // the secret; never logged
  std::vector<std::string> models;  // allowed names; empty = all
  std::vector<std::string> stores;  // allowed stores; empty = all
  bool admin = false;

  bool may_use_model(const std::string& name) const;
  bool may_use_store(const std::string& name) const;
};

// The configured keys. Without keys every request is let in as the anonymous,
// non-admin key "-". Immutable after construction, so thread-safe.
class AccessControl {
 public:
  AccessControl() = default;
  explicit AccessControl(std::vector<ApiKey> keys);

  // One admin key "default" allowed everything. Throws ConfigError when empty.
  static AccessControl single_key(const std::string& key);
  // Reads the JSON key file above. Throws IoError / ConfigError naming the file and field.
  static AccessControl from_file(const std::string& path);
  static AccessControl from_json_text(const std::string& text, const std::string& origin);

  bool enabled() const { return !keys_.empty(); }

  // The key an `Authorization` header value ("Bearer KEY") names, or nullopt when
  // the header is missing, malformed or names no key. Compares against every key
  // in time independent of where the bytes differ.
  std::optional<ApiKey> authenticate(std::string_view authorization) const;

 private:
  std::vector<ApiKey> keys_;
};

// True when `a` equals `b`; the time taken depends on the lengths only.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace lorag::serve
