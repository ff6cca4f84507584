// SPDX-License-Identifier: Apache-2.0
#include "model/nn/mlp.h"

#include <torch/torch.h>

#include "model/core/error.h"

namespace lorag::model::nn {

Activation activation_from_name(const std::string& name) {
  if (name == "silu") return Activation::kSilu;
  // transformers' NewGELUActivation (Phi's "gelu_new") is the same tanh formula written out in Python.
  if (name == "gelu_pytorch_tanh" || name == "gelu_new") return Activation::kGeluTanh;
  LORAG_FAIL(ConfigError, "activation '", name, "' is not supported (supported: silu, gelu_pytorch_tanh, gelu_new)");
}

torch::Tensor activate(const torch::Tensor& x, Activation activation) {
  // gelu_pytorch_tanh is torch's tanh approximation of GELU, as Gemma was trained with.
  return activation == Activation::kSilu ? torch::silu(x) : torch::gelu(x, "tanh");
}

MlpImpl::MlpImpl(const ModelConfig& c, const torch::TensorOptions& options)
    : activation_(activation_from_name(c.hidden_act)) {
  gate_proj = register_module("gate_proj", LoraLinear(c.hidden_size, c.intermediate_size, c.mlp_bias, options));
  up_proj = register_module("up_proj", LoraLinear(c.hidden_size, c.intermediate_size, c.mlp_bias, options));
  down_proj = register_module("down_proj", LoraLinear(c.intermediate_size, c.hidden_size, c.mlp_bias, options));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return down_proj(activate(gate_proj(x), activation_) * up_proj(x));  // [B, T, I] → [B, T, C]
}

}  // namespace lorag::model::nn
