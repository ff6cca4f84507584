// SPDX-License-Identifier: Apache-2.0
// The linear layer every projection of the transformer uses (model/): a frozen
// base weight under its Hugging Face name, ready to carry a LoRA adapter.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace lorag::model {

class LoraLinearImpl : public torch::nn::Module {
 public:
  // Registers `weight` [out, in] (and `bias` [out] when `bias`) uninitialised with
  // `options`, requires_grad=false; the checkpoint loader fills them.
  LoraLinearImpl(int64_t in_features, int64_t out_features, bool bias, const torch::TensorOptions& options);

  // x [..., in] → [..., out] in x's dtype.
  torch::Tensor forward(const torch::Tensor& x);

  int64_t in_features() const { return weight.size(1); }
  int64_t out_features() const { return weight.size(0); }

  torch::Tensor weight;
  torch::Tensor bias;  // undefined when the layer has none
};
TORCH_MODULE(LoraLinear);

}  // namespace lorag::model
