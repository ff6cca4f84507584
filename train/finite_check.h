// SPDX-License-Identifier: Apache-2.0
// Stops training at the first non-finite loss, gradient or adapter value
// (train/), so a diverged run (`--lr 1e30`) never writes a NaN adapter.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace lorag::train {

// Before the optimizer step: throws Error when `loss` or `grad_norm` (the total
// gradient norm of the step, before clipping) is NaN or infinite. The adapter
// still holds the previous step's values and nothing has been saved for `step`.
void check_finite_step(int64_t step, double loss, double grad_norm);

// After the optimizer step: throws Error when any of `params` (the adapter's A
// and B) holds a non-finite value, before anything is saved from them.
void check_finite_parameters(int64_t step, const std::vector<torch::Tensor>& params);

}  // namespace lorag::train
