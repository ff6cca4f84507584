// SPDX-License-Identifier: Apache-2.0
#include "model/nn/rms_norm.h"

#include <torch/torch.h>

#include "model/cuda/fused_rms_norm.h"
#include "model/nn/rms_norm_cpu.h"

namespace lorag::model::nn {
namespace {

// The fused CUDA kernel (model/cuda/fused_rms_norm.h) computes exactly what
// forward() below does where it applies: CUDA, no autograd, x and weight of one
// dtype, and a form that rounds the normalised value to x's dtype first — always
// for Llama's weighting, only in fp32 (no rounding) for Gemma's (1 + weight).
bool fused_kernel_applies(const torch::Tensor& x, const torch::Tensor& weight, NormWeighting weighting) {
  if (!x.is_cuda() || x.numel() == 0 || weight.dim() != 1 || !cuda::fused_kernels_available()) return false;
  if (torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad())) return false;
  if (weight.scalar_type() != x.scalar_type() || weight.device() != x.device() || x.size(-1) != weight.size(0)) {
    return false;
  }
  const auto dtype = x.scalar_type();
  if (weighting == NormWeighting::kOnePlusWeight) return dtype == torch::kFloat32;
  return dtype == torch::kFloat32 || dtype == torch::kBFloat16 || dtype == torch::kFloat16;
}

}  // namespace

RmsNormImpl::RmsNormImpl(int64_t hidden_size, double eps, const torch::TensorOptions& options,
                         NormWeighting weighting)
    : eps_(eps), weighting_(weighting) {
  auto identity = weighting == NormWeighting::kWeight ? torch::ones({hidden_size}, options)
                                                      : torch::zeros({hidden_size}, options);
  weight = register_parameter("weight", identity, /*requires_grad=*/false);
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  if (fused_kernel_applies(x, weight, weighting_)) {
    return cuda::fused_rms_norm(x, weight, eps_, weighting_ == NormWeighting::kOnePlusWeight ? 1.0 : 0.0);
  }
  if (weighting_ == NormWeighting::kWeight) {
    if (auto y = rms_norm_cpu_rows(x, weight, eps_); y.defined()) return y;  // decode on the CPU
  }
  auto x32 = x.to(torch::kFloat32);
  auto variance = x32.pow(2).mean(-1, /*keepdim=*/true);  // [..., 1]
  auto normed = x32 * torch::rsqrt(variance + eps_);
  if (weighting_ == NormWeighting::kOnePlusWeight) {
    return (normed * (1.0 + weight.to(torch::kFloat32))).to(x.scalar_type());  // Gemma3RMSNorm
  }
  return weight * normed.to(x.scalar_type());  // LlamaRMSNorm
}

}  // namespace lorag::model::nn
