// SPDX-License-Identifier: Apache-2.0
// Rotary position embedding for decode-sized inputs on the CPU in one loop
// (model/nn): the ATen form (narrow, neg, cat, two unsqueezes, two muls, add) costs
// eight dispatches per call, twice per layer and token.
#pragma once

#include <torch/types.h>

namespace lorag::model::nn {

// x·cos + rotate_half(x)·sin for x [B, H, T, D] (any strides) and cos, sin [B or 1, T, D]
// of x's dtype (fp32 or bf16), rounding each product and the sum to that dtype as
// the ATen form does, so the values are identical. Returns a contiguous tensor, or an
// undefined one when the loop does not apply (not CPU, autograd needed, other
// dtypes or shapes, more than kRotaryCpuMaxRows B·T rows): the caller then runs ATen.
torch::Tensor apply_rotary_cpu_rows(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

inline constexpr int64_t kRotaryCpuMaxRows = 16;

}  // namespace lorag::model::nn
