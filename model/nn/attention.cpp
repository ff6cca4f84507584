// SPDX-License-Identifier: Apache-2.0
#include "model/nn/attention.h"

#include <torch/torch.h>

#include <cmath>

#include "model/kv_cache.h"
#include "model/nn/rotary_embedding.h"

namespace lorag::model {

AttentionImpl::AttentionImpl(const ModelConfig& c, int64_t layer_index, const torch::TensorOptions& options)
    : layer_index_(layer_index),
      heads_(c.num_attention_heads),
      kv_heads_(c.num_key_value_heads),
      head_dim_(c.head_dim()) {
  const bool qkv_bias = c.attention_bias || c.qkv_bias;
  q_proj = register_module("q_proj", LoraLinear(c.hidden_size, heads_ * head_dim_, qkv_bias, options));
  k_proj = register_module("k_proj", LoraLinear(c.hidden_size, kv_heads_ * head_dim_, qkv_bias, options));
  v_proj = register_module("v_proj", LoraLinear(c.hidden_size, kv_heads_ * head_dim_, qkv_bias, options));
  o_proj = register_module("o_proj", LoraLinear(heads_ * head_dim_, c.hidden_size, c.attention_bias, options));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                     const AttentionMask& mask, KvCache* cache) {
  const int64_t B = x.size(0), T = x.size(1);
  auto q = q_proj(x).view({B, T, heads_, head_dim_}).transpose(1, 2);     // [B, H, T, D]
  auto k = k_proj(x).view({B, T, kv_heads_, head_dim_}).transpose(1, 2);  // [B, Hkv, T, D]
  auto v = v_proj(x).view({B, T, kv_heads_, head_dim_}).transpose(1, 2);  // [B, Hkv, T, D]
  q = apply_rotary(q, cos, sin);
  k = apply_rotary(k, cos, sin);
  if (cache) std::tie(k, v) = cache->append(layer_index_, k, v);  // [B, Hkv, L, D]

  // SDPA's enable_gqa lets each group of H/Hkv query heads share a key/value head
  // without materialising repeated keys.
  auto attn_mask = mask.mask.defined() ? std::optional<at::Tensor>(mask.mask) : std::nullopt;
  auto out = at::scaled_dot_product_attention(q, k, v, attn_mask, /*dropout_p=*/0.0, mask.is_causal,
                                              /*scale=*/1.0 / std::sqrt(static_cast<double>(head_dim_)),
                                              /*enable_gqa=*/heads_ != kv_heads_);  // [B, H, T, D]
  out = out.transpose(1, 2).reshape({B, T, heads_ * head_dim_});                  // [B, T, H*D]
  return o_proj(out);
}

}  // namespace lorag::model
