// SPDX-License-Identifier: Apache-2.0
// AdapterStack (adapters/): the resident adapters of one model side by side in every
// module they target, so that one batch can hold rows of different adapters and of
// the base model (issue 12; S-LoRA/LoRAX-style serving). The per-row arithmetic is
// LoraLinear's (model/lora_linear.h); this file decides the layout.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter_set.h"
#include "model/causal_lm.h"
#include "model/lora_row_mask.h"

namespace lorag::adapters {

// Layout: adapter i of n owns columns [i·R, i·R + r_i) of every stack, R being the
// largest rank of any of them in any module; the rest is zero padding, and a module
// an adapter does not target holds zeros in its columns. B's columns carry the
// adapter's scale, so a row's update is (x·Aᵀ ⊙ mask)·Bᵀ with a 0/1 mask.
// Not thread-safe; shares the model.
class AdapterStack {
 public:
  // `dtype`: the stacks' dtype (default: the model's).
  explicit AdapterStack(model::CausalLM model, std::optional<c10::ScalarType> dtype = std::nullopt);
  ~AdapterStack();  // clears the stacks from the model

  // Whether `adapter` can run per row: only LoRA on linear layers. Embedding LoRA and
  // modules_to_save change weights every row shares, so those need a batch of their own.
  static bool stackable(const AdapterSet& adapter);

  // Replaces the stacks with `adapters` (stackable ones, in this order) in their
  // dtype on the model's device, and sets them on the model's LoraLinears (clearing
  // modules none targets). Checks everything first; on failure the model keeps the
  // previous stacks. Throws FormatError naming the key for a module the model lacks
  // and ShapeError naming the module and both shapes on a mismatch.
  void rebuild(const std::vector<const AdapterSet*>& adapters);
  // Removes every stack from the model.
  void clear();

  // S, the stacks' column count (0 when nothing is stacked).
  int64_t width() const { return width_; }
  // The mask row [S] (stack dtype, model device) that selects `name`; all zeros for
  // a name not in the stack (the base model).
  torch::Tensor mask_row(const std::string& name) const;
  // The mask shared by every stacked layer: the engine points `mask` at its rows
  // around a forward.
  const std::shared_ptr<model::LoraRowMask>& rows() const { return rows_; }

 private:
  model::CausalLM model_;
  std::optional<c10::ScalarType> dtype_;
  std::vector<std::string> names_;  // column block i belongs to names_[i]
  int64_t rank_ = 0;                // R, the padded rank per adapter
  int64_t width_ = 0;               // S = names_.size() · R
  std::vector<model::LoraLinear> stacked_;
  std::shared_ptr<model::LoraRowMask> rows_;
};

}  // namespace lorag::adapters
