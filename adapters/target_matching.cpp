// SPDX-License-Identifier: Apache-2.0
#include "adapters/target_matching.h"

#include <regex>

#include "model/core/error.h"

namespace lorag::adapters {

std::vector<NamedLinear> lora_linears(torch::nn::Module& model) {
  std::vector<NamedLinear> out;
  for (const auto& item : model.named_modules()) {
    if (auto linear = std::dynamic_pointer_cast<model::LoraLinearImpl>(item.value())) {
      out.push_back({item.key(), model::LoraLinear(linear)});
    }
  }
  return out;
}

bool is_module_to_save(const LoraConfig& config, const std::string& module_name) {
  for (const auto& m : config.modules_to_save) {
    // PEFT matches `(^|.*\.)m($|\..*)`: `m` as a whole dotted component path.
    const std::string dotted = "." + module_name + ".";
    if (dotted.find("." + m + ".") != std::string::npos) return true;
  }
  return false;
}

bool is_target(const LoraConfig& config, const std::string& module_name, bool is_linear) {
  if (is_module_to_save(config, module_name)) return false;
  if (config.all_linear()) return is_linear && module_name != kOutputModule;
  if (config.target_modules_regex) {
    return std::regex_match(module_name, std::regex(config.target_modules_pattern));
  }
  for (const auto& target : config.target_modules) {
    if (module_name == target) return true;
    const std::string suffix = "." + target;
    if (module_name.size() > suffix.size() &&
        module_name.compare(module_name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

std::vector<NamedLinear> find_targets(torch::nn::Module& model, const LoraConfig& config) {
  std::vector<NamedLinear> out;
  for (auto& linear : lora_linears(model)) {
    if (is_target(config, linear.name, true)) out.push_back(std::move(linear));
  }
  return out;
}

}  // namespace lorag::adapters
