// SPDX-License-Identifier: Apache-2.0
// LoraConfig (adapters/): a LoRA adapter's hyper-parameters with PEFT's field
// names, read from and written to PEFT's `adapter_config.json`.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lorag::adapters {

struct LoraConfig {
  int64_t r = 8;                 // rank R, e.g. 16
  double lora_alpha = 8.0;       // scale numerator: scale = alpha/r (alpha/√r with rsLoRA), e.g. 32
  double lora_dropout = 0.0;     // dropout probability on the adapter input in training, e.g. 0.05
  // Module names matched by suffix (`q_proj` matches `model.layers.0.self_attn.q_proj`),
  // or, with `target_modules_regex`, one regex that must match the whole name.
  std::vector<std::string> target_modules = {"q_proj", "v_proj"};
  bool target_modules_regex = false;  // true when PEFT's target_modules was one string
  std::string target_modules_pattern; // that string (a regex, or "all-linear")
  std::string bias = "none";     // only "none" is supported
  bool use_rslora = false;       // scale = alpha/√r instead of alpha/r
  std::map<std::string, int64_t> rank_pattern;   // module-name regex → r, e.g. {"layers.1.self_attn.q_proj": 4}
  std::map<std::string, double> alpha_pattern;   // module-name regex → lora_alpha
  std::vector<std::string> modules_to_save;      // modules trained in full and saved whole, e.g. {"lm_head"}
  std::string base_model_name_or_path;           // informational, e.g. "meta-llama/Llama-3.2-1B"
  std::string task_type = "CAUSAL_LM";           // PEFT task type ("" = null)
  std::string peft_type = "LORA";                // only "LORA"
  // Fields of a loaded adapter_config.json that lorag does not interpret; written back
  // unchanged so a PEFT folder round-trips.
  nlohmann::json extra = nlohmann::json::object();

  // True for target_modules="all-linear": every linear except the output layer.
  bool all_linear() const { return target_modules_regex && target_modules_pattern == "all-linear"; }
  // The rank/alpha/scale for the module called `module_name` (`model.layers.1.self_attn.q_proj`),
  // applying rank_pattern/alpha_pattern as PEFT does: the first key K such that the
  // name matches `(.*\.)?(K)$`.
  int64_t rank_for(const std::string& module_name) const;
  double alpha_for(const std::string& module_name) const;
  double scale_for(const std::string& module_name) const;
  // Throws ConfigError naming the field and the value.
  void validate() const;
};

// adapter_config.json ↔ LoraConfig. from_json throws ConfigError naming `where`
// and the field for a wrong type or value (it validates).
LoraConfig lora_config_from_json(const nlohmann::json& json, const std::string& where);
nlohmann::json lora_config_to_json(const LoraConfig& config);

}  // namespace lorag::adapters
