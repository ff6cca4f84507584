// SPDX-License-Identifier: Apache-2.0
#include "model/lora_linear.h"

#include <torch/torch.h>

namespace lorag::model {

LoraLinearImpl::LoraLinearImpl(int64_t in_features, int64_t out_features, bool bias,
                               const torch::TensorOptions& options) {
  // torch::empty: real weights come from the checkpoint, so random init would be wasted time.
  weight = register_parameter("weight", torch::empty({out_features, in_features}, options), false);
  if (bias) this->bias = register_parameter("bias", torch::zeros({out_features}, options), false);
}

torch::Tensor LoraLinearImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::linear(x, weight, bias);
}

}  // namespace lorag::model
