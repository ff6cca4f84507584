// SPDX-License-Identifier: Apache-2.0
#include "model/nn/rms_norm.h"

#include <torch/torch.h>

namespace lorag::model {

RmsNormImpl::RmsNormImpl(int64_t hidden_size, double eps, const torch::TensorOptions& options) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({hidden_size}, options), /*requires_grad=*/false);
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  auto x32 = x.to(torch::kFloat32);
  auto variance = x32.pow(2).mean(-1, /*keepdim=*/true);  // [..., 1]
  auto normed = (x32 * torch::rsqrt(variance + eps_)).to(x.scalar_type());
  return weight * normed;
}

}  // namespace lorag::model
