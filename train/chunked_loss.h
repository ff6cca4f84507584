// SPDX-License-Identifier: Apache-2.0
// Causal-LM cross entropy computed chunk by chunk from the final hidden states
// (train/), so the [tokens, V] logits of a 262k vocabulary never exist at once.
#pragma once

#include <ATen/Tensor.h>

#include "model/causal_lm.h"

namespace lorag::train {

// Sum over the counted targets of -log softmax(logits)[target], in fp32, where
// logits = net.logits(hidden) (LM head and soft-capping as in the model).
// hidden [B, T, C] (model dtype), targets [B, T] int64 with -100 = no loss
// (already shifted: see shift_labels). Only counted rows go through the LM head,
// `chunk_rows` at a time. When grad mode is on, the result is differentiable in
// `hidden` (and in LM-head adapter weights): backward recomputes one chunk's
// logits at a time, so peak memory holds one [chunk_rows, V] fp32 block, not
// all of them. Returns a scalar fp32 tensor (0 when nothing counts).
at::Tensor chunked_lm_loss_sum(model::CausalLMImpl& net, const at::Tensor& hidden, const at::Tensor& targets,
                               int64_t chunk_rows);

}  // namespace lorag::train
