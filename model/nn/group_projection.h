// SPDX-License-Identifier: Apache-2.0
// Several LoraLinear layers that read the same x (an attention's q/k/v, an MLP's
// gate/up) as one product at decode (model/nn): with quantized bases, x is quantized
// to int8 once and the rows of all weights run in one parallel region instead of one
// fork/join per layer (QuantizedWeight::matmul_group).
#pragma once

#include <torch/types.h>

#include <vector>

#include "model/lora_linear.h"

namespace lorag::model::nn {

// { linears[i](x) }: each output equal to the layer's own forward (bias, then its
// adapter when attached, enabled and not merged, as LoraLinear::forward without
// grad). Returns an empty vector when the group product does not apply (a dense or
// CUDA base, stacked adapters, autograd or dropout needed, shapes the row kernels do
// not take, ScopedUnfusedDecode): the caller then calls each layer.
std::vector<torch::Tensor> project_group(const std::vector<LoraLinearImpl*>& linears, const torch::Tensor& x);

// project_group where it applies, else each layer's forward: { linears[i](x) }.
std::vector<torch::Tensor> project_each(const std::vector<LoraLinearImpl*>& linears, const torch::Tensor& x);

}  // namespace lorag::model::nn
