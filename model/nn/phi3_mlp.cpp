// SPDX-License-Identifier: Apache-2.0
#include "model/nn/phi3_mlp.h"

#include <torch/torch.h>

#include "model/nn/act_mul_cpu.h"

namespace lorag::model::nn {

Phi3MlpImpl::Phi3MlpImpl(const ModelConfig& c, const torch::TensorOptions& options)
    : activation_(activation_from_name(c.hidden_act)) {
  gate_up_proj =
      register_module("gate_up_proj", LoraLinear(c.hidden_size, 2 * c.intermediate_size, c.mlp_bias, options));
  down_proj = register_module("down_proj", LoraLinear(c.intermediate_size, c.hidden_size, c.mlp_bias, options));
}

torch::Tensor Phi3MlpImpl::forward(const torch::Tensor& x) {
  auto gate_up = gate_up_proj(x).chunk(2, -1);                        // 2 × [B, T, I]
  if (auto h = act_mul_cpu(gate_up[0], gate_up[1], activation_); h.defined()) return down_proj(h);  // decode, CPU
  return down_proj(activate(gate_up[0], activation_) * gate_up[1]);  // [B, T, C]
}

}  // namespace lorag::model::nn
