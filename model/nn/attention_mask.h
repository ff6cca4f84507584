// SPDX-License-Identifier: Apache-2.0
// The attention mask one forward pass shares across layers (model/nn).
#pragma once

#include <ATen/Tensor.h>

namespace lorag::model::nn {

// What scaled_dot_product_attention gets: either `is_causal` with no mask (the
// fast kernels), or an explicit boolean `mask` [B, 1, T, L] (true = may attend),
// or neither (a single new token that may see every cached key).
struct AttentionMask {
  at::Tensor mask;
  bool is_causal = false;
};

// Builds the mask for T new tokens after `past` cached ones (L = past + T).
// `key_valid` [B, L] bool marks real (non-padding) tokens, undefined when none are
// padding. `sliding_window` > 0 restricts each query to the last `sliding_window`
// keys (Mistral). Query rows that are themselves padding see every key, so they
// never produce NaNs that could leak into later layers.
AttentionMask make_attention_mask(int64_t past, int64_t tokens, const at::Tensor& key_valid,
                                  int64_t sliding_window, const at::Device& device);

// The mask of a batch with its own [B, T, T] bool `allowed` (query, key), e.g.
// block-causal for packed rows (training, no cache), further limited to the last
// `sliding_window` keys when > 0. Queries that may see nothing (padding) see
// themselves only, so no softmax row is empty (an empty row gives NaN, which
// backward would spread). Returns an explicit [B, 1, T, T] mask.
AttentionMask make_block_attention_mask(const at::Tensor& allowed, int64_t sliding_window);

// The mask of the engine's per-row cache (KvCache::use_rows): row b's T new
// tokens sit at positions [lengths[b], lengths[b] + T) and query t may see keys
// j <= lengths[b] + t among the first `key_length` (and, with `sliding_window`,
// only the last `sliding_window` of them). Entries past a row's own length are
// stale and never seen. lengths [B] int64 → mask [B, 1, T, key_length].
AttentionMask make_row_attention_mask(const at::Tensor& lengths, int64_t tokens, int64_t key_length,
                                      int64_t sliding_window);

}  // namespace lorag::model::nn
