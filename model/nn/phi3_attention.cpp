// SPDX-License-Identifier: Apache-2.0
#include "model/nn/phi3_attention.h"

#include <torch/torch.h>

#include "model/nn/cached_attention.h"
#include "model/nn/rotary_embedding.h"

namespace lorag::model::nn {

Phi3AttentionImpl::Phi3AttentionImpl(const ModelConfig& c, int64_t layer_index, const torch::TensorOptions& options)
    : layer_index_(layer_index),
      heads_(c.num_attention_heads),
      kv_heads_(c.num_key_value_heads),
      head_dim_(c.head_dim()),
      scale_(c.attention_scale()) {
  const int64_t fused = (heads_ + 2 * kv_heads_) * head_dim_;
  qkv_proj = register_module("qkv_proj", LoraLinear(c.hidden_size, fused, c.attention_bias, options));
  o_proj = register_module("o_proj", LoraLinear(heads_ * head_dim_, c.hidden_size, c.attention_bias, options));
}

torch::Tensor Phi3AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                         const AttentionMask& mask, KvCache* cache) {
  const int64_t B = x.size(0), T = x.size(1);
  auto qkv = qkv_proj(x);  // [B, T, (H + 2·Hkv)·D]
  auto parts = qkv.split_with_sizes({heads_ * head_dim_, kv_heads_ * head_dim_, kv_heads_ * head_dim_}, -1);
  auto q = parts[0].reshape({B, T, heads_, head_dim_}).transpose(1, 2);     // [B, H, T, D]
  auto k = parts[1].reshape({B, T, kv_heads_, head_dim_}).transpose(1, 2);  // [B, Hkv, T, D]
  auto v = parts[2].reshape({B, T, kv_heads_, head_dim_}).transpose(1, 2);  // [B, Hkv, T, D]
  q = apply_rotary(q, cos, sin);
  k = apply_rotary(k, cos, sin);
  auto out = cached_attention(q, k, v, mask, cache, layer_index_, scale_);  // [B, T, H*D]
  return o_proj(out);
}

}  // namespace lorag::model::nn
