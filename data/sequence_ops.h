// SPDX-License-Identifier: Apache-2.0
// From tokenized examples to training sequences (data/): truncation, the
// deterministic shuffle and eval split, and packing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/conversation_encoder.h"
#include "data/example.h"

namespace lorag::data {

struct TruncationCounts {
  std::size_t truncated = 0;  // examples cut to max_seq_len
  std::size_t dropped = 0;    // examples with no counted label left (after cutting, or from the start)
};

// Each example as an `Example` of at most `max_seq_len` tokens: longer ones lose
// tokens from the right (the end of the response; the prompt stays whole when it
// fits). An example left without a single counted label teaches nothing and is
// dropped. position_ids are 0..T-1 and sequence_ids all 0. Adds to `counts`.
std::vector<Example> truncate_examples(const std::vector<LabelledTokens>& examples, int64_t max_seq_len,
                                       TruncationCounts& counts);

// A permutation of 0..n-1 from std::mt19937_64(seed) by Fisher-Yates with
// rejection sampling, so it is the same on every platform and standard library
// (std::shuffle and std::uniform_int_distribution are implementation-defined).
std::vector<std::size_t> shuffled_indices(std::size_t n, uint64_t seed);

struct SplitIndices {
  std::vector<std::size_t> train;  // ascending
  std::vector<std::size_t> eval;   // ascending
};

// Holds out round(n * eval_fraction) of 0..n-1 (at least one when the fraction is
// positive), chosen by `shuffled_indices(n, seed)`. Throws ConfigError when the
// fraction is outside [0, 1) or would leave no training example.
SplitIndices split_indices(std::size_t n, double eval_fraction, uint64_t seed);

// Packs examples, in order, into sequences of at most `max_seq_len` tokens
// (next-fit: a sequence is closed when the next example does not fit). Inside a
// sequence position_ids restart at 0 for each example and sequence_ids count the
// examples 0, 1, 2, ..., so the trainer can build a block-diagonal causal mask
// (no attention across examples). The first label of every example after the
// first is set to -100: after the shift it would be predicted from the previous
// example's last token (transformers' DataCollatorWithFlattening does the same).
// TODO(data): best-fit-decreasing packing (TRL's default) wastes less padding.
std::vector<Example> pack_examples(const std::vector<Example>& examples, int64_t max_seq_len);

}  // namespace lorag::data
