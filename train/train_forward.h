// SPDX-License-Identifier: Apache-2.0
// The training forward pass (train/): final hidden states of a batch through the
// model's own forward (CausalLM::hidden_states), with a block-causal mask for
// packed rows and optional per-layer gradient checkpointing.
#pragma once

#include <ATen/Tensor.h>

#include "model/causal_lm.h"
#include "train/batch_tensors.h"

namespace lorag::train {

// Hidden states [B, T, C] (model dtype) for `batch`. Packed batches (block_mask
// defined) pass their mask to the model: each packed example sees only its own
// earlier tokens, at its own positions. With `checkpoint`, each decoder
// layer keeps only its input and is recomputed in backward (the RNG state is
// restored first, so LoRA dropout draws the same masks); the gradients equal
// the plain pass.
at::Tensor training_hidden_states(model::CausalLMImpl& net, const BatchTensors& batch, bool checkpoint);

}  // namespace lorag::train
