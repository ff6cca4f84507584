// SPDX-License-Identifier: Apache-2.0
#include "model/nn/cached_attention.h"

#include <torch/torch.h>

#include "model/kv_cache.h"

namespace lorag::model {

at::Tensor cached_attention(const at::Tensor& q, at::Tensor k, at::Tensor v, const AttentionMask& mask,
                            KvCache* cache, int64_t layer, double scale) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);  // [B, Hkv, L, D]
  // SDPA's enable_gqa lets each group of H/Hkv query heads share a key/value head
  // without materialising repeated keys.
  auto attn_mask = mask.mask.defined() ? std::optional<at::Tensor>(mask.mask) : std::nullopt;
  auto out = at::scaled_dot_product_attention(q, k, v, attn_mask, /*dropout_p=*/0.0, mask.is_causal, scale,
                                              /*enable_gqa=*/H != k.size(1));  // [B, H, T, D]
  return out.transpose(1, 2).reshape({B, T, H * D});                            // [B, T, H*D]
}

}  // namespace lorag::model
