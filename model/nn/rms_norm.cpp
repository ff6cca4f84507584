// SPDX-License-Identifier: Apache-2.0
#include "model/nn/rms_norm.h"

#include <torch/torch.h>

namespace lorag::model {

RmsNormImpl::RmsNormImpl(int64_t hidden_size, double eps, const torch::TensorOptions& options,
                         NormWeighting weighting)
    : eps_(eps), weighting_(weighting) {
  auto identity = weighting == NormWeighting::kWeight ? torch::ones({hidden_size}, options)
                                                      : torch::zeros({hidden_size}, options);
  weight = register_parameter("weight", identity, /*requires_grad=*/false);
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  auto x32 = x.to(torch::kFloat32);
  auto variance = x32.pow(2).mean(-1, /*keepdim=*/true);  // [..., 1]
  auto normed = x32 * torch::rsqrt(variance + eps_);
  if (weighting_ == NormWeighting::kOnePlusWeight) {
    return (normed * (1.0 + weight.to(torch::kFloat32))).to(x.scalar_type());  // Gemma3RMSNorm
  }
  return weight * normed.to(x.scalar_type());  // LlamaRMSNorm
}

}  // namespace lorag::model
