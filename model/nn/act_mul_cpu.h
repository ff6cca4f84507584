// SPDX-License-Identifier: Apache-2.0
// The gated MLP's act(gate) · up for decode-sized inputs on the CPU in one loop
// (model/nn): the ATen form is two dispatches and a temporary per layer and token.
#pragma once

#include <torch/types.h>

#include "model/nn/mlp.h"

namespace lorag::model::nn {

// act(gate) · up for gate/up [..., I] of one dtype, with act(gate) rounded to that
// dtype before the product, as ATen's two operators round (SiLU through fast_exp,
// within 2 ulp of ATen's before that rounding). Returns a new [..., I] tensor, or an
// undefined one when the loop does not apply (not CPU, autograd needed, dtype other
// than fp32/bf16, more than kActMulCpuMaxRows rows, rows not laid out [N, I] with unit
// stride, ScopedUnfusedDecode): the caller then runs the ATen form.
torch::Tensor act_mul_cpu(const torch::Tensor& gate, const torch::Tensor& up, Activation activation);

inline constexpr int64_t kActMulCpuMaxRows = 16;

}  // namespace lorag::model::nn
