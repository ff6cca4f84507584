// SPDX-License-Identifier: Apache-2.0
// One request's sampling state in the engine (infer/): its settings, its seeded
// generator, the ids it has seen and the counts of those it generated, so a row
// chooses the same tokens whether it runs alone or beside others.
#pragma once

#include <ATen/Tensor.h>
#include <ATen/core/Generator.h>

#include <vector>

#include "infer/generate_config.h"

namespace lorag::infer {

class RowSampler {
 public:
  // `prompt` seeds the ids the repetition penalty reads; `vocab` sizes the counts
  // of the OpenAI penalties. The generator is a CPU one seeded with config.seed:
  // the same seed gives the same text on CPU and CUDA.
  RowSampler(const GenerateConfig& config, const std::vector<int64_t>& prompt, int64_t vocab);

  // Greedy without penalties: the engine takes the argmax of such rows in one
  // batched operation (same result as choose()).
  bool plain_greedy() const;

  // logits [1, V] of this row (any float dtype and device) → the chosen id, after
  // transformers' repetition penalty, OpenAI's frequency/presence penalties, then
  // argmax or sampling from the warped distribution (logits_processing.h). One
  // host sync. Same as choose_rows() with this row alone.
  int64_t choose(const at::Tensor& logits);

  // Chooses for several rows at once: logits [N, V] (any float dtype and device),
  // row i belonging to rows[i]. Penalties and warpers run as one batched pass with
  // per-row settings; sampling takes argmax(p / q) with q ~ Exp(1) drawn from each
  // row's own generator, the draw torch::multinomial makes for one sample, so every
  // row picks exactly what it picks alone. One host sync.
  static std::vector<int64_t> choose_rows(const at::Tensor& logits, const std::vector<RowSampler*>& rows);

  // Records an id the row generated (it joins `seen` and the counts).
  void record(int64_t id);

 private:
  GenerateConfig config_;
  at::Generator rng_;
  std::vector<int64_t> seen_;  // prompt then output
  at::Tensor counts_;          // [1, V] fp32 on the logits' device, generated-token counts; lazily made
  int64_t vocab_;
  bool need_counts_;
};

}  // namespace lorag::infer
