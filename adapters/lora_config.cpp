// SPDX-License-Identifier: Apache-2.0
#include "adapters/lora_config.h"

#include <cmath>
#include <regex>

#include "model/core/error.h"
#include "model/lora_linear.h"

namespace lorag::adapters {
namespace {
using nlohmann::json;

// PEFT's `get_pattern_key`: the first key whose regex matches the end of the name
// at a dot boundary.
template <typename Map>
const typename Map::mapped_type* pattern_value(const Map& patterns, const std::string& module_name) {
  for (const auto& [key, value] : patterns) {
    if (std::regex_match(module_name, std::regex("(.*\\.)?(" + key + ")"))) return &value;
  }
  return nullptr;
}

template <typename T>
T field(const json& j, const char* name, const T& fallback, const std::string& where) {
  if (!j.contains(name) || j[name].is_null()) return fallback;
  try {
    return j[name].get<T>();
  } catch (const json::exception&) {
    LORAG_FAIL(ConfigError, where, ": field '", name, "' has the wrong type: ", j[name].dump());
  }
}

const char* const kKnownFields[] = {"r", "lora_alpha", "lora_dropout", "target_modules", "bias", "use_rslora",
                                    "rank_pattern", "alpha_pattern", "modules_to_save",
                                    "base_model_name_or_path", "task_type", "peft_type"};
}  // namespace

int64_t LoraConfig::rank_for(const std::string& module_name) const {
  const auto* r_value = pattern_value(rank_pattern, module_name);
  return r_value ? *r_value : r;
}

double LoraConfig::alpha_for(const std::string& module_name) const {
  const auto* alpha = pattern_value(alpha_pattern, module_name);
  return alpha ? *alpha : lora_alpha;
}

double LoraConfig::scale_for(const std::string& module_name) const {
  return model::lora_scale(rank_for(module_name), alpha_for(module_name), use_rslora);
}

void LoraConfig::validate() const {
  LORAG_CHECK(r >= 1, ConfigError, "lora config: r=", r, " must be at least 1");
  LORAG_CHECK(std::isfinite(lora_alpha) && lora_alpha > 0, ConfigError, "lora config: lora_alpha=", lora_alpha,
              " must be positive");
  LORAG_CHECK(lora_dropout >= 0 && lora_dropout < 1, ConfigError, "lora config: lora_dropout=", lora_dropout,
              " must be in [0, 1)");
  LORAG_CHECK(target_modules_regex || !target_modules.empty(), ConfigError,
              "lora config: target_modules is empty (hint: [\"q_proj\", \"v_proj\"] or \"all-linear\")");
  LORAG_CHECK(!target_modules_regex || !target_modules_pattern.empty(), ConfigError,
              "lora config: target_modules is an empty string");
  LORAG_CHECK(bias == "none", ConfigError, "lora config: bias='", bias,
              "' is not supported, expected 'none' (lorag trains no bias terms)");
  LORAG_CHECK(peft_type == "LORA", ConfigError, "lora config: peft_type='", peft_type, "', expected 'LORA'");
  for (const auto& [key, value] : rank_pattern) {
    LORAG_CHECK(value >= 1, ConfigError, "lora config: rank_pattern['", key, "']=", value, " must be at least 1");
  }
  for (const auto& [key, value] : alpha_pattern) {
    LORAG_CHECK(std::isfinite(value) && value > 0, ConfigError, "lora config: alpha_pattern['", key, "']=", value,
                " must be positive");
  }
  if (target_modules_regex && !all_linear()) {
    try {
      std::regex check(target_modules_pattern);
    } catch (const std::regex_error&) {
      LORAG_FAIL(ConfigError, "lora config: target_modules='", target_modules_pattern, "' is not a valid regex");
    }
  }
}

LoraConfig lora_config_from_json(const json& j, const std::string& where) {
  LORAG_CHECK(j.is_object(), ConfigError, where, ": expected a JSON object");
  LoraConfig c;
  c.peft_type = field<std::string>(j, "peft_type", "LORA", where);
  LORAG_CHECK(c.peft_type == "LORA", ConfigError, where, ": peft_type='", c.peft_type,
              "' is not supported, expected 'LORA'");
  c.r = field<int64_t>(j, "r", c.r, where);
  c.lora_alpha = field<double>(j, "lora_alpha", c.lora_alpha, where);
  c.lora_dropout = field<double>(j, "lora_dropout", c.lora_dropout, where);
  if (j.contains("target_modules") && j["target_modules"].is_string()) {
    c.target_modules_regex = true;
    c.target_modules_pattern = j["target_modules"].get<std::string>();
    c.target_modules.clear();
  } else {
    c.target_modules = field<std::vector<std::string>>(j, "target_modules", c.target_modules, where);
  }
  c.bias = field<std::string>(j, "bias", c.bias, where);
  c.use_rslora = field<bool>(j, "use_rslora", c.use_rslora, where);
  c.rank_pattern = field<std::map<std::string, int64_t>>(j, "rank_pattern", {}, where);
  c.alpha_pattern = field<std::map<std::string, double>>(j, "alpha_pattern", {}, where);
  c.modules_to_save = field<std::vector<std::string>>(j, "modules_to_save", {}, where);
  c.base_model_name_or_path = field<std::string>(j, "base_model_name_or_path", "", where);
  c.task_type = field<std::string>(j, "task_type", "", where);
  for (const auto& [key, value] : j.items()) c.extra[key] = value;
  for (const char* known : kKnownFields) c.extra.erase(known);
  for (const char* unsupported : {"use_dora", "fan_in_fan_out", "lora_bias"}) {
    LORAG_CHECK(!c.extra.contains(unsupported) || !c.extra[unsupported].is_boolean() ||
                    !c.extra[unsupported].get<bool>(),
                ConfigError, where, ": ", unsupported, "=true is not supported by lorag");
  }
  for (const char* unsupported : {"layers_to_transform", "exclude_modules", "layer_replication"}) {
    LORAG_CHECK(!c.extra.contains(unsupported) || c.extra[unsupported].is_null(), ConfigError, where, ": ",
                unsupported, "=", c.extra[unsupported].dump(), " is not supported by lorag");
  }
  try {
    c.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(where + ": " + e.what());
  }
  return c;
}

json lora_config_to_json(const LoraConfig& c) {
  json j = c.extra;
  j["peft_type"] = c.peft_type;
  j["r"] = c.r;
  // An integral alpha is written as an integer, as PEFT users write it.
  if (c.lora_alpha == std::floor(c.lora_alpha) && std::abs(c.lora_alpha) < 1e15) {
    j["lora_alpha"] = static_cast<int64_t>(c.lora_alpha);
  } else {
    j["lora_alpha"] = c.lora_alpha;
  }
  j["lora_dropout"] = c.lora_dropout;
  if (c.target_modules_regex) {
    j["target_modules"] = c.target_modules_pattern;
  } else {
    j["target_modules"] = c.target_modules;
  }
  j["bias"] = c.bias;
  j["use_rslora"] = c.use_rslora;
  j["rank_pattern"] = c.rank_pattern;
  json alphas = json::object();
  for (const auto& [key, value] : c.alpha_pattern) {
    alphas[key] = value == std::floor(value) ? json(static_cast<int64_t>(value)) : json(value);
  }
  j["alpha_pattern"] = alphas;
  j["modules_to_save"] = c.modules_to_save.empty() ? json(nullptr) : json(c.modules_to_save);
  j["base_model_name_or_path"] = c.base_model_name_or_path.empty() ? json(nullptr) : json(c.base_model_name_or_path);
  j["task_type"] = c.task_type.empty() ? json(nullptr) : json(c.task_type);
  if (!j.contains("inference_mode")) j["inference_mode"] = true;
  return j;
}

}  // namespace lorag::adapters
