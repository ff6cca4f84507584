// SPDX-License-Identifier: Apache-2.0
// Value checks on an adapter's tensors before they touch a model (adapters/):
// a NaN/Inf anywhere, or a scale (lora_alpha 1e30) that makes the update
// overflow, is refused at attach instead of turning every answer empty.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>

#include "adapters/lora_config.h"

namespace lorag::adapters {

// Largest |update| an adapter may add for unit-sized activations. The decoder's
// RMSNorm squares and sums hidden states: values near 1e15 already square to
// 1e30 per element, a few thousand of which approach fp32's 3.4e38.
inline constexpr double kMaxLoraUpdate = 1e15;

// Throws FormatError naming the source and key of the first tensor holding a
// non-finite value, and ConfigError naming `lora_alpha` (or its pattern) when a
// module's update bound, scale · r · max|A| · max|B| · in_features, exceeds
// kMaxLoraUpdate. Reads every tensor once; no copies beyond a float view.
void check_adapter_values(const std::map<std::string, torch::Tensor>& tensors, const LoraConfig& config,
                          const std::string& source);

}  // namespace lorag::adapters
