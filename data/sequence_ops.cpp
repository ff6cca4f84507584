// SPDX-License-Identifier: Apache-2.0
#include "data/sequence_ops.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "model/core/error.h"

namespace lorag::data {
namespace {

// Uniform in [0, bound) without modulo bias: reject the low values that would
// over-represent some residues.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;
  uint64_t x = rng();
  while (x < threshold) x = rng();
  return x % bound;
}

bool has_label(const std::vector<int64_t>& labels) {
  return std::any_of(labels.begin(), labels.end(), [](int64_t l) { return l != kIgnoreIndex; });
}

}  // namespace

std::vector<Example> truncate_examples(const std::vector<LabelledTokens>& examples, int64_t max_seq_len,
                                       TruncationCounts& counts) {
  LORAG_ASSERT(max_seq_len > 0);
  std::vector<Example> out;
  out.reserve(examples.size());
  for (const auto& ex : examples) {
    const std::size_t keep = std::min(ex.input_ids.size(), static_cast<std::size_t>(max_seq_len));
    Example e;
    e.input_ids.assign(ex.input_ids.begin(), ex.input_ids.begin() + keep);
    e.labels.assign(ex.labels.begin(), ex.labels.begin() + keep);
    if (!has_label(e.labels)) {
      ++counts.dropped;
      continue;
    }
    if (keep < ex.input_ids.size()) ++counts.truncated;
    e.position_ids.resize(keep);
    std::iota(e.position_ids.begin(), e.position_ids.end(), 0);
    e.sequence_ids.assign(keep, 0);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::size_t> shuffled_indices(std::size_t n, uint64_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (std::size_t i = n; i > 1; --i) {
    std::swap(order[i - 1], order[uniform_below(rng, i)]);
  }
  return order;
}

SplitIndices split_indices(std::size_t n, double eval_fraction, uint64_t seed) {
  LORAG_CHECK(eval_fraction >= 0.0 && eval_fraction < 1.0, ConfigError, "eval_fraction is ", eval_fraction,
              ", expected a value in [0, 1), e.g. 0.05");
  std::size_t n_eval = static_cast<std::size_t>(std::llround(eval_fraction * static_cast<double>(n)));
  if (eval_fraction > 0.0) n_eval = std::max<std::size_t>(n_eval, 1);
  LORAG_CHECK(n_eval < n || n_eval == 0, ConfigError, "eval_fraction ", eval_fraction, " holds out ", n_eval,
              " of ", n, " examples and leaves none to train on (hint: lower it or add data)");
  const auto order = shuffled_indices(n, seed);
  SplitIndices split;
  split.eval.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_eval));
  split.train.assign(order.begin() + static_cast<std::ptrdiff_t>(n_eval), order.end());
  std::sort(split.eval.begin(), split.eval.end());
  std::sort(split.train.begin(), split.train.end());
  return split;
}

std::vector<Example> pack_examples(const std::vector<Example>& examples, int64_t max_seq_len) {
  LORAG_ASSERT(max_seq_len > 0);
  std::vector<Example> packed;
  int64_t segment = 0;
  for (const auto& ex : examples) {
    LORAG_ASSERT(static_cast<int64_t>(ex.size()) <= max_seq_len, "truncate before packing");
    if (packed.empty() || static_cast<int64_t>(packed.back().size() + ex.size()) > max_seq_len) {
      packed.emplace_back();
      segment = 0;
    }
    Example& seq = packed.back();
    const std::size_t start = seq.size();
    seq.input_ids.insert(seq.input_ids.end(), ex.input_ids.begin(), ex.input_ids.end());
    seq.labels.insert(seq.labels.end(), ex.labels.begin(), ex.labels.end());
    if (segment > 0 && !ex.labels.empty()) seq.labels[start] = kIgnoreIndex;
    for (std::size_t t = 0; t < ex.size(); ++t) {
      seq.position_ids.push_back(static_cast<int64_t>(t));
      seq.sequence_ids.push_back(segment);
    }
    ++segment;
  }
  return packed;
}

}  // namespace lorag::data
