// SPDX-License-Identifier: Apache-2.0
#include "data/batching.h"

#include <algorithm>

#include "data/conversation_encoder.h"
#include "model/core/error.h"

namespace lorag::data {

int64_t Batch::label_tokens() const {
  return std::count_if(labels.begin(), labels.end(), [](int64_t l) { return l != kIgnoreIndex; });
}

bool Batch::packed() const {
  return std::any_of(sequence_ids.begin(), sequence_ids.end(), [](int64_t s) { return s > 0; });
}

int64_t pad_id_for(const model::text::SpecialTokens& special) {
  if (special.pad_id >= 0) return special.pad_id;
  if (!special.eos_ids.empty()) return special.eos_ids.front();
  return 0;
}

Batch collate(const std::vector<Example>& examples, std::size_t begin, std::size_t end, int64_t pad_id) {
  LORAG_CHECK(begin < end && end <= examples.size(), ConfigError, "cannot batch examples [", begin, ", ", end,
              ") of ", examples.size());
  Batch b;
  b.batch_size = static_cast<int64_t>(end - begin);
  for (std::size_t i = begin; i < end; ++i) b.seq_len = std::max<int64_t>(b.seq_len, examples[i].size());
  const auto n = static_cast<std::size_t>(b.batch_size * b.seq_len);
  b.input_ids.assign(n, pad_id);
  b.labels.assign(n, kIgnoreIndex);
  b.attention_mask.assign(n, 0);
  b.position_ids.assign(n, 0);
  b.sequence_ids.assign(n, -1);
  for (std::size_t i = begin; i < end; ++i) {
    const Example& ex = examples[i];
    const std::size_t row = (i - begin) * static_cast<std::size_t>(b.seq_len);
    std::copy(ex.input_ids.begin(), ex.input_ids.end(), b.input_ids.begin() + row);
    std::copy(ex.labels.begin(), ex.labels.end(), b.labels.begin() + row);
    std::fill_n(b.attention_mask.begin() + row, ex.size(), 1);
    std::copy(ex.position_ids.begin(), ex.position_ids.end(), b.position_ids.begin() + row);
    std::copy(ex.sequence_ids.begin(), ex.sequence_ids.end(), b.sequence_ids.begin() + row);
  }
  return b;
}

std::vector<Batch> make_batches(const std::vector<Example>& examples, int64_t batch_size, int64_t pad_id,
                                bool drop_last) {
  LORAG_CHECK(batch_size >= 1, ConfigError, "batch_size is ", batch_size, ", expected at least 1");
  std::vector<Batch> batches;
  const auto step = static_cast<std::size_t>(batch_size);
  for (std::size_t begin = 0; begin < examples.size(); begin += step) {
    const std::size_t end = std::min(examples.size(), begin + step);
    if (drop_last && end - begin < step) break;
    batches.push_back(collate(examples, begin, end, pad_id));
  }
  return batches;
}

std::vector<uint8_t> block_causal_mask(const Batch& batch) {
  const auto B = static_cast<std::size_t>(batch.batch_size), T = static_cast<std::size_t>(batch.seq_len);
  std::vector<uint8_t> mask(B * T * T, 0);
  for (std::size_t b = 0; b < B; ++b) {
    const int64_t* seq = batch.sequence_ids.data() + b * T;
    for (std::size_t t = 0; t < T; ++t) {
      if (seq[t] < 0) continue;
      for (std::size_t s = 0; s <= t; ++s) mask[(b * T + t) * T + s] = seq[s] == seq[t] ? 1 : 0;
    }
  }
  return mask;
}

}  // namespace lorag::data
