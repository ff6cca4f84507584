// SPDX-License-Identifier: Apache-2.0
// Helpers for the train/ tests: the tiny chat model and hand-made batches.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "data/batching.h"
#include "model/model_loader.h"
#include "tests/test_util.h"

namespace lorag::test {

// fixtures/models/chat_bpe in fp32 on the CPU (tokenizer and chat template too).
// One intra-op thread: the model is tiny, and on a busy machine OpenMP workers
// spinning for a core make each step 50x slower.
inline model::LoadedModel load_chat_model() {
  torch::set_num_threads(1);
  return model::load_model(fixture("models/chat_bpe"), {"cpu", "fp32"});
}

// One example of `ids` with labels = ids (all counted) at positions 0..n-1.
inline data::Example example_of(const std::vector<int64_t>& ids) {
  data::Example e;
  e.input_ids = ids;
  e.labels = ids;
  for (size_t i = 0; i < ids.size(); ++i) e.position_ids.push_back(static_cast<int64_t>(i)), e.sequence_ids.push_back(0);
  return e;
}

// Examples concatenated into one packed row (positions restart, sequence ids count up).
inline data::Example pack(const std::vector<data::Example>& parts) {
  data::Example out;
  for (size_t k = 0; k < parts.size(); ++k) {
    const auto& p = parts[k];
    out.input_ids.insert(out.input_ids.end(), p.input_ids.begin(), p.input_ids.end());
    out.labels.insert(out.labels.end(), p.labels.begin(), p.labels.end());
    out.position_ids.insert(out.position_ids.end(), p.position_ids.begin(), p.position_ids.end());
    for (size_t i = 0; i < p.size(); ++i) out.sequence_ids.push_back(static_cast<int64_t>(k));
  }
  return out;
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

}  // namespace lorag::test
