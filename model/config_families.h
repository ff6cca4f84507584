// SPDX-License-Identifier: Apache-2.0
// Family-specific config.json fields (model/): the defaults and field names of
// Qwen3Config and PhiConfig, kept apart from the shared parser in config.cpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/config.h"

namespace lorag::model {

// After the shared fields are read: applies what differs for Qwen3ForCausalLM
// (head_dim 128 by default, sliding only with `use_sliding_window`) and
// PhiForCausalLM (`layer_norm_eps`, partial rotary 0.5 and gelu_new by default,
// biases on every projection). No-op for other families. Throws ConfigError
// naming `source` for what lorag cannot run (Phi's `qk_layernorm`).
void read_family_fields(const nlohmann::json& j, ModelConfig& c, const std::string& source);

// The inverse for to_json: rewrites the fields so transformers' config class of
// the family reads back the same values.
void write_family_fields(const ModelConfig& c, nlohmann::json& j);

}  // namespace lorag::model
