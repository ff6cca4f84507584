// SPDX-License-Identifier: Apache-2.0
#include "model/nn/cached_attention.h"

#include <torch/torch.h>

#include "model/kv_cache.h"
#include "model/nn/decode_attention_cpu.h"

namespace lorag::model::nn {
namespace {
// Query rows per sequence up to which bf16 CPU attention runs in fp32 (decode steps).
constexpr int64_t kCpuUpcastMaxRows = 4;
}  // namespace

at::Tensor cached_attention(const at::Tensor& q, at::Tensor k, at::Tensor v, const AttentionMask& mask,
                            KvCache* cache, int64_t layer, double scale) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);  // [B, Hkv, L, D]
  if (!mask.is_causal && (!mask.mask.defined() || mask.mask.scalar_type() == at::kBool)) {
    // A decode step on the CPU: one loop over the cache instead of SDPA (and, in
    // bf16, a fp32 copy of the whole cache per layer per token); SDPA elsewhere.
    if (auto out = decode_attention_cpu(q, k, v, mask.mask, scale); out.defined()) return out;  // [B, 1, H*D]
  }
  // SDPA's enable_gqa lets each group of H/Hkv query heads share a key/value head
  // without materialising repeated keys.
  auto attn_mask = mask.mask.defined() ? std::optional<at::Tensor>(mask.mask) : std::nullopt;
  // Decode steps in bf16 on the CPU: SDPA's bf16 kernel runs its one-row products
  // through MKL's bf16 gemv, about 3x slower than the fp32 one (perf: 11% of a bf16
  // SmolLM2 token against 4% in fp32); it accumulates in fp32 either way.
  const bool upcast = q.device().is_cpu() && q.scalar_type() == at::kBFloat16 && T <= kCpuUpcastMaxRows &&
                      !(at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad()));
  if (upcast) {
    if (attn_mask && attn_mask->is_floating_point()) attn_mask = attn_mask->to(at::kFloat);
    auto out = at::scaled_dot_product_attention(q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat), attn_mask,
                                                /*dropout_p=*/0.0, mask.is_causal, scale,
                                                /*enable_gqa=*/H != k.size(1));  // [B, H, T, D] fp32
    return out.transpose(1, 2).reshape({B, T, H * D}).to(q.scalar_type());     // [B, T, H*D]
  }
  auto out = at::scaled_dot_product_attention(q, k, v, attn_mask, /*dropout_p=*/0.0, mask.is_causal, scale,
                                              /*enable_gqa=*/H != k.size(1));  // [B, H, T, D]
  return out.transpose(1, 2).reshape({B, T, H * D});                            // [B, T, H*D]
}

}  // namespace lorag::model::nn
