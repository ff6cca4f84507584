// SPDX-License-Identifier: Apache-2.0
#include "model/nn/attention_mask.h"

#include <torch/torch.h>

namespace lorag::model::nn {

AttentionMask make_attention_mask(int64_t past, int64_t tokens, const at::Tensor& key_valid,
                                  int64_t sliding_window, const at::Device& device) {
  const int64_t total = past + tokens;
  const bool window_matters = sliding_window > 0 && total > sliding_window;
  if (!key_valid.defined() && !window_matters) {
    if (tokens == 1) return {};                      // one query sees all cached keys
    if (past == 0) return {at::Tensor(), true};      // plain causal prefill
  }
  auto opts = torch::TensorOptions().dtype(torch::kInt64).device(device);
  auto q_pos = torch::arange(past, total, opts).unsqueeze(1);  // [T, 1]
  auto k_pos = torch::arange(0, total, opts).unsqueeze(0);     // [1, L]
  auto allowed = k_pos <= q_pos;                               // [T, L] causal
  if (window_matters) allowed = allowed.logical_and(q_pos - k_pos < sliding_window);
  auto mask = allowed.unsqueeze(0).unsqueeze(0);               // [1, 1, T, L]
  if (key_valid.defined()) {
    auto valid = key_valid.narrow(1, 0, total).to(device);     // [B, L]
    mask = mask.logical_and(valid.unsqueeze(1).unsqueeze(1));   // [B, 1, T, L]
    auto query_is_pad = valid.narrow(1, past, tokens).logical_not().unsqueeze(1).unsqueeze(-1);  // [B, 1, T, 1]
    mask = mask.logical_or(query_is_pad);
  }
  return {mask, false};
}

AttentionMask make_block_attention_mask(const at::Tensor& allowed, int64_t sliding_window) {
  const int64_t T = allowed.size(1);
  auto mask = allowed;  // [B, T, T]
  const auto idx = torch::arange(T, torch::TensorOptions().dtype(torch::kInt64).device(allowed.device()));
  if (sliding_window > 0 && T > sliding_window) {
    mask = mask.logical_and((idx.unsqueeze(1) - idx.unsqueeze(0)) < sliding_window);
  }
  const auto eye = torch::eye(T, torch::TensorOptions().dtype(torch::kBool).device(allowed.device()));
  const auto empty_row = mask.any(-1, /*keepdim=*/true).logical_not();  // [B, T, 1]
  mask = mask.logical_or(empty_row.logical_and(eye));
  return {mask.unsqueeze(1), false};  // [B, 1, T, T]
}

AttentionMask make_row_attention_mask(const at::Tensor& lengths, int64_t tokens, int64_t key_length,
                                      int64_t sliding_window) {
  auto q_pos = lengths.view({-1, 1, 1, 1}) + torch::arange(tokens, lengths.options()).view({1, 1, -1, 1});  // [B, 1, T, 1]
  auto k_pos = torch::arange(key_length, lengths.options()).view({1, 1, 1, -1});  // [1, 1, 1, L]
  auto allowed = k_pos <= q_pos;                                                  // [B, 1, T, L]
  if (sliding_window > 0) allowed = allowed.logical_and(q_pos - k_pos < sliding_window);
  // A query that may see nothing (an idle row's dummy token) sees everything
  // instead, so it never yields NaNs.
  allowed = allowed.logical_or(allowed.any(-1, /*keepdim=*/true).logical_not());
  return {allowed, false};
}

}  // namespace lorag::model::nn
