// SPDX-License-Identifier: Apache-2.0
// RMSNorm as transformers computes it for Llama and for Gemma (model/nn).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace lorag::model::nn {

// How the learned weight enters: Llama multiplies by `weight` after casting the
// normalised activations back to their dtype; Gemma multiplies by `1 + weight`
// in fp32 and casts last (transformers PR 29402), so its checkpoints store
// weights near 0.
enum class NormWeighting { kWeight, kOnePlusWeight };

class RmsNormImpl : public torch::nn::Module {
 public:
  // `weight` [C] is created with `options` (the identity: 1, or 0 for
  // kOnePlusWeight); the loader fills it.
  RmsNormImpl(int64_t hidden_size, double eps, const torch::TensorOptions& options,
              NormWeighting weighting = NormWeighting::kWeight);
  // x [..., C] → [..., C] in x's dtype. Normalises in fp32, exactly as transformers does.
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;

 private:
  double eps_;
  NormWeighting weighting_;
};
TORCH_MODULE(RmsNorm);

}  // namespace lorag::model::nn
