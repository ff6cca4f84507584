// SPDX-License-Identifier: Apache-2.0
// The per-row adapter choice that every stacked LoraLinear of a model reads
// (model/): one mask over the stacked adapter columns per batch row (issue 12).
#pragma once

#include <ATen/Tensor.h>

namespace lorag::model {

// `mask` is [B, S] in the adapter dtype on the model's device: row b holds ones on
// the S-columns of the adapter that batch row b uses and zeros elsewhere (all zeros
// = the base model). Undefined while no per-row forward runs, which switches the
// stacked contribution off. The engine sets it around each forward; not thread-safe.
struct LoraRowMask {
  at::Tensor mask;
};

}  // namespace lorag::model
