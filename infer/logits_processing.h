// SPDX-License-Identifier: Apache-2.0
// Logit transforms applied before choosing the next token (infer/), in the
// order transformers applies them: repetition penalty, frequency/presence
// penalties, temperature, top-k, top-p, min-p.
#pragma once

#include <ATen/Tensor.h>

#include "infer/generate_config.h"

namespace lorag::infer {

// transformers' RepetitionPenaltyLogitsProcessor: for every token id present in
// `seen` [B, S] (prompt and output), logit < 0 ? logit * p : logit / p.
// `seen_valid` [B, S] bool masks out padding (may be undefined). logits [B, V] fp32, in place.
void apply_repetition_penalty(at::Tensor& logits, const at::Tensor& seen, const at::Tensor& seen_valid,
                              double penalty);

// OpenAI's penalties: logit -= count * frequency + (count > 0) * presence, where
// `counts` [B, V] (fp32) counts each token in the generated output. In place.
void apply_frequency_presence(at::Tensor& logits, const at::Tensor& counts, double frequency, double presence);

// Temperature, top-k, top-p and min-p as transformers' warpers, on fp32 logits
// [B, V]; filtered entries become -inf. Returns the warped logits.
at::Tensor warp_logits(const at::Tensor& logits, const GenerateConfig& config);

// Per-row settings for warp_logits_rows(): [N, 1] fp32 on the logits' device,
// except top_k [N, 1] int64 (0 = off). A row with the "off" value of a setting
// (temperature 1, top_k 0, top_p 1, min_p 0) is left as warp_logits leaves it.
struct RowWarpers {
  at::Tensor temperature, top_k, top_p, min_p;
};

// warp_logits with each row's own settings, in one pass over logits [N, V] fp32
// (issue 12's batched sampling): row i equals warp_logits on row i alone with its
// config. Returns the warped logits.
at::Tensor warp_logits_rows(const at::Tensor& logits, const RowWarpers& warpers);

}  // namespace lorag::infer
