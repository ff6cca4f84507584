// SPDX-License-Identifier: Apache-2.0
#include "model/nn/qwen3_attention.h"

#include <torch/torch.h>

#include "model/nn/cached_attention.h"
#include "model/nn/group_projection.h"
#include "model/nn/rotary_embedding.h"

namespace lorag::model::nn {

Qwen3AttentionImpl::Qwen3AttentionImpl(const ModelConfig& c, int64_t layer_index, const torch::TensorOptions& options)
    : layer_index_(layer_index),
      heads_(c.num_attention_heads),
      kv_heads_(c.num_key_value_heads),
      head_dim_(c.head_dim()),
      scale_(c.attention_scale()) {
  const bool bias = c.attention_bias;
  q_proj = register_module("q_proj", LoraLinear(c.hidden_size, heads_ * head_dim_, bias, options));
  k_proj = register_module("k_proj", LoraLinear(c.hidden_size, kv_heads_ * head_dim_, bias, options));
  v_proj = register_module("v_proj", LoraLinear(c.hidden_size, kv_heads_ * head_dim_, bias, options));
  o_proj = register_module("o_proj", LoraLinear(heads_ * head_dim_, c.hidden_size, bias, options));
  q_norm = register_module("q_norm", RmsNorm(head_dim_, c.rms_norm_eps, options));
  k_norm = register_module("k_norm", RmsNorm(head_dim_, c.rms_norm_eps, options));
}

torch::Tensor Qwen3AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                          const AttentionMask& mask, KvCache* cache) {
  const int64_t B = x.size(0), T = x.size(1);
  // One product for q/k/v at decode (x quantized once), else each layer's forward.
  const auto qkv = project_each({q_proj.get(), k_proj.get(), v_proj.get()}, x);  // [B, T, H*D], 2 × [B, T, Hkv*D]
  // Qwen3Attention normalises over D per head, before the transpose and the rotation.
  auto q = q_norm(qkv[0].view({B, T, heads_, head_dim_})).transpose(1, 2);     // [B, H, T, D]
  auto k = k_norm(qkv[1].view({B, T, kv_heads_, head_dim_})).transpose(1, 2);  // [B, Hkv, T, D]
  auto v = qkv[2].view({B, T, kv_heads_, head_dim_}).transpose(1, 2);          // [B, Hkv, T, D]
  q = apply_rotary(q, cos, sin);
  k = apply_rotary(k, cos, sin);
  auto out = cached_attention(q, k, v, mask, cache, layer_index_, scale_);  // [B, T, H*D]
  return o_proj(out);
}

}  // namespace lorag::model::nn
