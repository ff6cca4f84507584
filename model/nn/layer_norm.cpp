// SPDX-License-Identifier: Apache-2.0
#include "model/nn/layer_norm.h"

#include <torch/torch.h>

namespace lorag::model::nn {

LayerNormImpl::LayerNormImpl(int64_t hidden_size, double eps, const torch::TensorOptions& options)
    : hidden_size_(hidden_size), eps_(eps) {
  weight = register_parameter("weight", torch::ones({hidden_size}, options), /*requires_grad=*/false);
  bias = register_parameter("bias", torch::zeros({hidden_size}, options), /*requires_grad=*/false);
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {hidden_size_}, weight, bias, eps_);
}

}  // namespace lorag::model::nn
