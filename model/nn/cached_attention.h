// SPDX-License-Identifier: Apache-2.0
// The attention step every attention module shares (model/nn): append the new
// keys/values to the cache, then scaled dot-product attention over all of them.
#pragma once

#include <ATen/Tensor.h>

#include "model/nn/attention_mask.h"

namespace lorag::model {
class KvCache;
}

namespace lorag::model::nn {

// q [B, H, T, D], k/v [B, Hkv, T, D] (rotary already applied) → [B, T, H*D].
// With a cache, k/v are stored for `layer` and attention covers the cached keys
// too. `scale` multiplies q·k (1/sqrt(D) for Llama). Throws ShapeError when the
// cache would overflow.
at::Tensor cached_attention(const at::Tensor& q, at::Tensor k, at::Tensor v, const AttentionMask& mask,
                            KvCache* cache, int64_t layer, double scale);

}  // namespace lorag::model::nn
