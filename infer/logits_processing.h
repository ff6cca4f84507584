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

}  // namespace lorag::infer
