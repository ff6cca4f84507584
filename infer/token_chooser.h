// SPDX-License-Identifier: Apache-2.0
// Picks the next token of every row from its logits (infer/): penalties, then
// greedy argmax or seeded sampling from the warped distribution.
#pragma once

#include <ATen/Tensor.h>
#include <ATen/core/Generator.h>

#include "infer/generate_config.h"

namespace lorag::infer {

class TokenChooser {
 public:
  // `vocab` sizes the per-row token counts of the OpenAI penalties.
  TokenChooser(const GenerateConfig& config, int64_t batch, int64_t vocab, const at::Device& device);

  // logits [B, V] (any float dtype, on the model's device); `seen` [B, S] ids of
  // prompt and output so far with `seen_valid` [B, S] (undefined = all valid).
  // Returns the chosen ids [B] int64 on the CPU: the one host sync per step.
  at::Tensor choose(const at::Tensor& logits, const at::Tensor& seen, const at::Tensor& seen_valid);

  // Records the tokens emitted this step (ids [B] on the CPU) for the frequency
  // and presence penalties; rows with `active[b] == false` are not counted.
  void record(const at::Tensor& ids, const std::vector<bool>& active);

 private:
  GenerateConfig config_;
  at::Tensor counts_;       // [B, V] fp32 on device, generated-token counts
  at::Generator rng_;       // CPU generator: the same seed gives the same text on CPU and CUDA
  bool need_counts_;
};

}  // namespace lorag::infer
