// SPDX-License-Identifier: Apache-2.0
#include "model/nn/mlp.h"

#include <torch/torch.h>

#include "model/core/error.h"
#include "model/nn/act_mul_cpu.h"
#include "model/nn/group_projection.h"

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
  const auto gate_up = project_each({gate_proj.get(), up_proj.get()}, x);  // 2 × [B, T, I], one product at decode
  const auto& gate = gate_up[0];
  const auto& up = gate_up[1];
  if (auto h = act_mul_cpu(gate, up, activation_); h.defined()) return down_proj(h);  // decode on the CPU
  return down_proj(activate(gate, activation_) * up);  // [B, T, I] → [B, T, C]
}

}  // namespace lorag::model::nn
