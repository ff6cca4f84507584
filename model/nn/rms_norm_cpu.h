// SPDX-License-Identifier: Apache-2.0
// LlamaRMSNorm for decode-sized inputs on the CPU in one loop (model/nn): at one
// token per step the ATen form (to, pow, mean, add, rsqrt, mul, to, mul) costs eight
// dispatches of a few microseconds each on 576 values, ~60 times per SmolLM2 token.
#pragma once

#include <torch/types.h>

namespace lorag::model::nn {

// weight · (x / √(mean(x²) + eps)) with the normalised value rounded to x's dtype
// first, as the ATen form; the same values up to fp32 summation order. Returns an
// undefined tensor when the loop does not apply (not CPU, autograd needed, dtype
// other than fp32/bf16 or not x's, more than kMaxRows rows, non-contiguous): the
// caller then runs the ATen form.
torch::Tensor rms_norm_cpu_rows(const torch::Tensor& x, const torch::Tensor& weight, double eps);

inline constexpr int64_t kRmsNormCpuMaxRows = 16;

}  // namespace lorag::model::nn
