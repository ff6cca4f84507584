// SPDX-License-Identifier: Apache-2.0
// Phi-3 feed-forward block (model/nn): one fused `gate_up_proj`, then
// down(act(gate) * up).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/config.h"
#include "model/lora_linear.h"
#include "model/nn/mlp.h"

namespace lorag::model::nn {

class Phi3MlpImpl : public torch::nn::Module {
 public:
  Phi3MlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
  // x [B, T, C] → [B, T, C].
  torch::Tensor forward(const torch::Tensor& x);

  LoraLinear gate_up_proj{nullptr};  // [2·I, C]: gate rows, then up rows
  LoraLinear down_proj{nullptr};

 private:
  Activation activation_;
};
TORCH_MODULE(Phi3Mlp);

}  // namespace lorag::model::nn
