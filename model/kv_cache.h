// SPDX-License-Identifier: Apache-2.0
// Key/value cache for incremental decoding (model/): one buffer per layer,
// allocated once for the whole generation so decoding never reallocates.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/TensorOptions.h>

#include <vector>

#include "model/config.h"

namespace lorag::model {

class KvCache {
 public:
  // Allocates keys and values [B, Hkv, capacity, D] per layer with `options`.
  KvCache(const ModelConfig& config, int64_t batch, int64_t capacity, const c10::TensorOptions& options);

  // Tokens already stored (the same for every row; padding is tracked by the mask).
  int64_t length() const { return length_; }
  int64_t capacity() const { return capacity_; }
  int64_t batch() const { return batch_; }

  // Stores k, v [B, Hkv, T, D] for `layer` at positions [length, length + T) and
  // returns views of keys and values [B, Hkv, length + T, D]. Does not advance;
  // the model calls advance(T) once every layer has appended.
  // Throws ShapeError when the cache would overflow its capacity.
  std::pair<at::Tensor, at::Tensor> append(int64_t layer, const at::Tensor& k, const at::Tensor& v);
  void advance(int64_t tokens);

  void reset() { length_ = 0; }

  // Per-row mode (the engine's slots, infer/engine.h): the next forward runs on
  // buffer rows [first_row, first_row + B), row b holding its own
  // `row_lengths[b]` tokens (int64 [B] on the cache's device). append() then
  // writes row b's T new keys at [row_lengths[b], row_lengths[b] + T) and returns
  // keys [B, Hkv, key_length, D]; entries past a row's length are stale and the
  // model masks them (make_row_attention_mask). advance() does nothing: the
  // engine owns the lengths. `key_length` <= capacity bounds the attention span
  // (the largest row length + T; the full capacity gives static shapes).
  // Throws ShapeError for a window outside the buffers.
  void use_rows(int64_t first_row, const at::Tensor& row_lengths, int64_t key_length);
  // Back to the shared-length mode.
  void clear_rows() { row_lengths_ = at::Tensor(); }
  bool per_row() const { return row_lengths_.defined(); }
  const at::Tensor& row_lengths() const { return row_lengths_; }
  int64_t key_length() const { return key_length_; }

 private:
  std::vector<at::Tensor> keys_;    // per layer [B, Hkv, capacity, D]
  std::vector<at::Tensor> values_;  // per layer [B, Hkv, capacity, D]
  int64_t batch_ = 0;
  int64_t capacity_ = 0;
  int64_t length_ = 0;
  at::Tensor row_lengths_;  // [B] int64 in per-row mode, else undefined
  int64_t first_row_ = 0;
  int64_t key_length_ = 0;
};

}  // namespace lorag::model
