// SPDX-License-Identifier: Apache-2.0
#include "model/kv_cache.h"

#include <torch/torch.h>

#include "model/core/error.h"

namespace lorag::model {

KvCache::KvCache(const ModelConfig& config, int64_t batch, int64_t capacity, const c10::TensorOptions& options)
    : batch_(batch), capacity_(capacity) {
  LORAG_CHECK(batch > 0 && capacity > 0, ShapeError, "kv cache needs batch > 0 and capacity > 0, got batch ",
              batch, " capacity ", capacity);
  const std::vector<int64_t> shape = {batch, config.num_key_value_heads, capacity, config.head_dim()};
  // Zeroed: per-row mode attends over stale entries with zero weight, and 0 x a
  // NaN bit pattern left by torch::empty would still be NaN.
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    keys_.push_back(torch::zeros(shape, options));
    values_.push_back(torch::zeros(shape, options));
  }
}

std::pair<at::Tensor, at::Tensor> KvCache::append(int64_t layer, const at::Tensor& k, const at::Tensor& v) {
  const int64_t tokens = k.size(2);
  if (per_row()) {
    const int64_t B = k.size(0);
    auto keys = keys_.at(layer).narrow(0, first_row_, B);      // [B, Hkv, capacity, D]
    auto values = values_.at(layer).narrow(0, first_row_, B);  // [B, Hkv, capacity, D]
    auto where = row_lengths_.unsqueeze(1) + torch::arange(tokens, row_lengths_.options());  // [B, T]
    auto rows = torch::arange(B, row_lengths_.options()).unsqueeze(1).expand({B, tokens});   // [B, T]
    c10::List<std::optional<at::Tensor>> index;
    index.push_back(rows);
    index.push_back(where);
    // Writes through the permuted views [B, capacity, Hkv, D] into the buffers.
    keys.permute({0, 2, 1, 3}).index_put_(index, k.permute({0, 2, 1, 3}));
    values.permute({0, 2, 1, 3}).index_put_(index, v.permute({0, 2, 1, 3}));
    return {keys.narrow(2, 0, key_length_), values.narrow(2, 0, key_length_)};
  }
  LORAG_CHECK(length_ + tokens <= capacity_, ShapeError, "kv cache overflow: ", length_, " cached + ", tokens,
              " new tokens > capacity ", capacity_, " (hint: raise the context length or lower max_new_tokens)");
  auto& keys = keys_.at(layer);
  auto& values = values_.at(layer);
  keys.narrow(2, length_, tokens).copy_(k);
  values.narrow(2, length_, tokens).copy_(v);
  return {keys.narrow(2, 0, length_ + tokens), values.narrow(2, 0, length_ + tokens)};
}

void KvCache::advance(int64_t tokens) {
  if (!per_row()) length_ += tokens;
}

void KvCache::use_rows(int64_t first_row, const at::Tensor& row_lengths, int64_t key_length) {
  const int64_t B = row_lengths.size(0);
  LORAG_CHECK(first_row >= 0 && B > 0 && first_row + B <= batch_, ShapeError, "kv cache rows [", first_row, ", ",
              first_row + B, ") are outside the cache's ", batch_, " rows");
  LORAG_CHECK(key_length > 0 && key_length <= capacity_, ShapeError, "kv cache key length ", key_length,
              " is outside (0, ", capacity_, "]");
  first_row_ = first_row;
  row_lengths_ = row_lengths;
  key_length_ = key_length;
}

}  // namespace lorag::model
