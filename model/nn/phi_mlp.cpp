// SPDX-License-Identifier: Apache-2.0
#include "model/nn/phi_mlp.h"

#include <torch/torch.h>

namespace lorag::model::nn {

PhiMlpImpl::PhiMlpImpl(const ModelConfig& c, const torch::TensorOptions& options)
    : activation_(activation_from_name(c.hidden_act)) {
  fc1 = register_module("fc1", LoraLinear(c.hidden_size, c.intermediate_size, true, options));
  fc2 = register_module("fc2", LoraLinear(c.intermediate_size, c.hidden_size, true, options));
}

torch::Tensor PhiMlpImpl::forward(const torch::Tensor& x) {
  return fc2(activate(fc1(x), activation_));  // [B, T, I] → [B, T, C]
}

}  // namespace lorag::model::nn
