// SPDX-License-Identifier: Apache-2.0
// LayerNorm with a learned weight and bias (model/nn), as torch.nn.LayerNorm
// (Phi-1.5/Phi-2's `input_layernorm` and `final_layernorm`).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace lorag::model::nn {

class LayerNormImpl : public torch::nn::Module {
 public:
  // `weight` [C] starts at 1 and `bias` [C] at 0, in `options`; the loader fills them.
  LayerNormImpl(int64_t hidden_size, double eps, const torch::TensorOptions& options);
  // x [..., C] → [..., C] in x's dtype, normalised over the last dimension as
  // torch.nn.LayerNorm does (computed in x's dtype, as transformers runs it).
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;

 private:
  int64_t hidden_size_;
  double eps_;
};
TORCH_MODULE(LayerNorm);

}  // namespace lorag::model::nn
