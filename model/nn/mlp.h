// SPDX-License-Identifier: Apache-2.0
// SwiGLU feed-forward block (model/nn): down(silu(gate(x)) * up(x)).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/config.h"
#include "model/lora_linear.h"

namespace lorag::model {

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
  // x [B, T, C] → [B, T, C].
  torch::Tensor forward(const torch::Tensor& x);

  LoraLinear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(Mlp);

}  // namespace lorag::model
