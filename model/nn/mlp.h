// SPDX-License-Identifier: Apache-2.0
// Gated feed-forward block (model/nn): down(act(gate(x)) * up(x)), SwiGLU for
// Llama/Mistral/Qwen2, GeGLU (tanh GELU) for Gemma 3.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <string>

#include "model/config.h"
#include "model/lora_linear.h"

namespace lorag::model::nn {

// The MLP activations transformers' ACT2FN names that lorag runs.
enum class Activation { kSilu, kGeluTanh };

// "silu" → kSilu, "gelu_pytorch_tanh" and "gelu_new" → kGeluTanh; ConfigError naming `name` otherwise.
Activation activation_from_name(const std::string& name);
// Elementwise activation in x's dtype.
torch::Tensor activate(const torch::Tensor& x, Activation activation);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
  // x [B, T, C] → [B, T, C].
  torch::Tensor forward(const torch::Tensor& x);

  LoraLinear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};

 private:
  Activation activation_;
};
TORCH_MODULE(Mlp);

}  // namespace lorag::model::nn
