// SPDX-License-Identifier: Apache-2.0
// One query row's attention over the KV cache on the CPU as one loop (model/nn):
// at a decode step SDPA's bf16 path copied the whole cache to fp32 every layer
// (cached_attention.cpp) and dispatched half a dozen operators for ~10 µs of work.
#pragma once

#include <torch/types.h>

namespace lorag::model::nn {

// softmax(scale · q·kᵀ, masked) · v for q [B, H, 1, D] and k/v [B, Hkv, L, D] (views
// into the cache: any strides with the last one 1; query head h reads kv head
// h / (H/Hkv), as SDPA's enable_gqa), in fp32 from fp32 or bf16 inputs, rounded once
// to q's dtype: [B, 1, H*D]. `mask` is undefined (every key) or bool [1 or B, 1, 1, L]
// (true = may attend). Parallel over (B, H) rows. Returns an undefined tensor when
// the loop does not apply (not CPU, T > 1, autograd needed, other dtypes or masks,
// ScopedUnfusedDecode): the caller then runs SDPA. A row whose mask allows no key
// gives zeros (SDPA gives NaN; make_*_attention_mask never builds one).
torch::Tensor decode_attention_cpu(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                   const torch::Tensor& mask, double scale);

}  // namespace lorag::model::nn
