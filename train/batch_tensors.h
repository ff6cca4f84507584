// SPDX-License-Identifier: Apache-2.0
// A data::Batch as the tensors one training forward needs (train/): ids,
// positions, padding mask, block-causal mask for packed rows, and the shifted
// loss targets.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include "data/batching.h"

namespace lorag::train {

struct BatchTensors {
  at::Tensor input_ids;   // [B, T] int64
  at::Tensor positions;   // [B, T] int64, restarting per packed example
  at::Tensor key_valid;   // [B, T] bool, false on padding; undefined when no row is padded
  at::Tensor block_mask;  // [B, T, T] bool (query, key) for packed batches; undefined otherwise
  at::Tensor targets;     // [B, T] int64: the label of the *next* token, -100 where no loss counts
  int64_t label_tokens = 0;  // targets != -100
  int64_t tokens = 0;        // real (non-padding) tokens
};

// Shifts data/'s unshifted labels as transformers' ForCausalLMLoss does
// (targets[t] = labels[t + 1], -100 at the end), and also masks the targets that
// would cross from one packed example into the next (TRL's padding-free collator
// does the same). Row-major [B, T] in and out.
std::vector<int64_t> shift_labels(const data::Batch& batch);

// Builds the tensors on `device`. Throws ShapeError when the batch's vectors do
// not hold B*T values.
BatchTensors to_tensors(const data::Batch& batch, const c10::Device& device);

}  // namespace lorag::train
