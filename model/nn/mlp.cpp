// SPDX-License-Identifier: Apache-2.0
#include "model/nn/mlp.h"

#include <torch/torch.h>

namespace lorag::model {

MlpImpl::MlpImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  gate_proj = register_module("gate_proj", LoraLinear(c.hidden_size, c.intermediate_size, c.mlp_bias, options));
  up_proj = register_module("up_proj", LoraLinear(c.hidden_size, c.intermediate_size, c.mlp_bias, options));
  down_proj = register_module("down_proj", LoraLinear(c.intermediate_size, c.hidden_size, c.mlp_bias, options));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return down_proj(torch::silu(gate_proj(x)) * up_proj(x));  // [B, T, I] → [B, T, C]
}

}  // namespace lorag::model
