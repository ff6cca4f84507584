// SPDX-License-Identifier: Apache-2.0
// Phi-1.5/Phi-2 feed-forward block (model/nn): fc2(gelu(fc1(x))), both with biases.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/config.h"
#include "model/lora_linear.h"
#include "model/nn/mlp.h"

namespace lorag::model::nn {

class PhiMlpImpl : public torch::nn::Module {
 public:
  PhiMlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
  // x [B, T, C] → [B, T, C].
  torch::Tensor forward(const torch::Tensor& x);

  LoraLinear fc1{nullptr}, fc2{nullptr};  // [I, C] and [C, I]

 private:
  Activation activation_;
};
TORCH_MODULE(PhiMlp);

}  // namespace lorag::model::nn
