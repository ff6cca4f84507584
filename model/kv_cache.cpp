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
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    keys_.push_back(torch::empty(shape, options));
    values_.push_back(torch::empty(shape, options));
  }
}

std::pair<at::Tensor, at::Tensor> KvCache::append(int64_t layer, const at::Tensor& k, const at::Tensor& v) {
  const int64_t tokens = k.size(2);
  LORAG_CHECK(length_ + tokens <= capacity_, ShapeError, "kv cache overflow: ", length_, " cached + ", tokens,
              " new tokens > capacity ", capacity_, " (hint: raise the context length or lower max_new_tokens)");
  auto& keys = keys_.at(layer);
  auto& values = values_.at(layer);
  keys.narrow(2, length_, tokens).copy_(k);
  values.narrow(2, length_, tokens).copy_(v);
  return {keys.narrow(2, 0, length_ + tokens), values.narrow(2, 0, length_ + tokens)};
}

void KvCache::advance(int64_t tokens) { length_ += tokens; }

void KvCache::select_rows(const at::Tensor& rows) {
  for (auto& t : keys_) t = t.index_select(0, rows);
  for (auto& t : values_) t = t.index_select(0, rows);
  batch_ = rows.size(0);
}

}  // namespace lorag::model
