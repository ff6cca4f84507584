// SPDX-License-Identifier: Apache-2.0
// Which modules of a model an adapter applies to (adapters/), matched as PEFT's
// `check_target_module_exists` does, by module name (`model.layers.0.self_attn.q_proj`).
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "adapters/lora_config.h"
#include "model/lora_linear.h"

namespace lorag::adapters {

// The module name of the input embedding and of the output layer (Hugging Face).
inline constexpr const char* kEmbedModule = "model.embed_tokens";
inline constexpr const char* kOutputModule = "lm_head";

struct NamedLinear {
  std::string name;            // module name, e.g. "model.layers.0.mlp.down_proj"
  model::LoraLinear module;    // shares the model's module
};

// Every LoraLinear of `model`, in registration order.
std::vector<NamedLinear> lora_linears(torch::nn::Module& model);

// True when `module_name` is one of `modules_to_save` (PEFT: the name or a dotted
// component path equals the entry).
bool is_module_to_save(const LoraConfig& config, const std::string& module_name);

// PEFT's rule: modules_to_save are never targets; a string target_modules is a
// regex over the whole name ("all-linear": every linear but `lm_head`, never the
// embedding); a list matches the exact name or a `.`-suffix.
bool is_target(const LoraConfig& config, const std::string& module_name, bool is_linear);

// The LoraLinears `config` targets. Throws ConfigError when nothing matches,
// naming target_modules.
std::vector<NamedLinear> find_targets(torch::nn::Module& model, const LoraConfig& config);

}  // namespace lorag::adapters
