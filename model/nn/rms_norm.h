// SPDX-License-Identifier: Apache-2.0
// RMSNorm as transformers' LlamaRMSNorm computes it (model/nn).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace lorag::model {

class RmsNormImpl : public torch::nn::Module {
 public:
  // `weight` [C] is created uninitialised with `options`; the loader fills it.
  RmsNormImpl(int64_t hidden_size, double eps, const torch::TensorOptions& options);
  // x [..., C] → [..., C] in x's dtype. Normalises in fp32, then casts back
  // before multiplying by `weight`, exactly as transformers does.
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(RmsNorm);

}  // namespace lorag::model
