// SPDX-License-Identifier: Apache-2.0
// Batches of training sequences with right padding (data/), as flat row-major
// vectors the trainer turns into tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/example.h"
#include "model/text/tokenizer.h"

namespace lorag::data {

// B sequences padded on the right to the longest, T. Every vector is [B, T],
// row-major (element (b, t) at b * T + t), for torch::from_blob(..., {B, T}, kInt64).
struct Batch {
  int64_t batch_size = 0;               // B, e.g. 8
  int64_t seq_len = 0;                  // T, the longest sequence in the batch
  std::vector<int64_t> input_ids;       // pad_id on padding
  std::vector<int64_t> labels;          // -100 on padding and wherever no loss counts
  std::vector<int64_t> attention_mask;  // 1 on tokens, 0 on padding (transformers' attention_mask)
  std::vector<int64_t> position_ids;    // restarting per packed example; 0 on padding
  std::vector<int64_t> sequence_ids;    // packed example index; -1 on padding

  // Number of labels that count (not -100), e.g. to normalise a summed loss.
  int64_t label_tokens() const;
  // Whether any row holds more than one packed example (then the trainer needs
  // `block_causal_mask` rather than a plain causal mask).
  bool packed() const;
};

// The padding id: the tokenizer's pad token, else its first eos id (the usual
// fallback for Llama-style models), else 0. Padding never counts in the loss.
int64_t pad_id_for(const model::text::SpecialTokens& special);

// examples[begin, end) as one batch. Throws ConfigError when the range is empty.
Batch collate(const std::vector<Example>& examples, std::size_t begin, std::size_t end, int64_t pad_id);

// Consecutive batches of `batch_size` sequences (the last one may be smaller
// unless `drop_last`). Throws ConfigError when batch_size < 1.
std::vector<Batch> make_batches(const std::vector<Example>& examples, int64_t batch_size, int64_t pad_id,
                                bool drop_last = false);

// [B, T, T] row-major, 1 where query t may attend key s: s <= t, both tokens real
// and in the same packed example (equal sequence_ids); 0 elsewhere. Padding
// queries attend nothing.
std::vector<uint8_t> block_causal_mask(const Batch& batch);

}  // namespace lorag::data
