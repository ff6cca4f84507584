// SPDX-License-Identifier: Apache-2.0
#include "model/nn/group_projection.h"

#include <torch/torch.h>

#include "model/nn/fused_decode.h"
#include "model/quant/quantized_weight.h"

namespace lorag::model::nn {
namespace {

bool adapter_active(const LoraLinearImpl& linear) {
  return linear.attached() && linear.enabled() && !linear.merged();
}

// out += scale·B(A(x)), as LoraLinear::forward computes it without grad.
torch::Tensor add_adapter(const LoraLinearImpl& linear, const torch::Tensor& x, torch::Tensor out) {
  auto h = x.to(linear.lora_A->weight.scalar_type());
  if (h.scalar_type() == out.scalar_type() && out.is_contiguous()) {
    auto rows = h.reshape({-1, h.size(-1)});            // [N, in]
    auto flat = out.view({-1, out.size(-1)});           // [N, out], shares out's storage
    auto low = torch::mm(rows, linear.lora_A->weight.t());  // [N, R]
    flat.addmm_(low, linear.lora_B->weight.t(), /*beta=*/1, /*alpha=*/linear.scale());
    return out;
  }
  auto update = torch::linear(torch::linear(h, linear.lora_A->weight), linear.lora_B->weight);  // [..., out]
  return out + (update * linear.scale()).to(out.scalar_type());
}

}  // namespace

std::vector<torch::Tensor> project_group(const std::vector<LoraLinearImpl*>& linears, const torch::Tensor& x) {
  if (!fused_decode_enabled() || linears.empty() || !x.device().is_cpu()) return {};
  const bool grad = torch::GradMode::is_enabled();
  if (grad && x.requires_grad()) return {};
  std::vector<const quant::QuantizedWeight*> weights;
  for (const auto* linear : linears) {
    if (!linear->quantized_base() || linear->stacked()) return {};
    if (adapter_active(*linear) && (grad || (linear->dropout() > 0.0 && linear->is_training()))) return {};
    weights.push_back(linear->quantized_base().get());
  }
  auto outs = quant::QuantizedWeight::matmul_group(weights, x);  // { [..., out_i] }
  if (outs.empty()) return {};
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < linears.size(); ++i) {
    const auto& linear = *linears[i];
    if (linear.bias.defined()) outs[i] = outs[i] + linear.bias;  // as quant::quantized_linear
    if (adapter_active(linear)) outs[i] = add_adapter(linear, x, outs[i]);
  }
  return outs;
}

std::vector<torch::Tensor> project_each(const std::vector<LoraLinearImpl*>& linears, const torch::Tensor& x) {
  if (auto outs = project_group(linears, x); !outs.empty()) return outs;
  std::vector<torch::Tensor> outs;
  for (auto* linear : linears) outs.push_back(linear->forward(x));
  return outs;
}

}  // namespace lorag::model::nn
