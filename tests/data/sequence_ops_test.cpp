// SPDX-License-Identifier: Apache-2.0
// Truncation, packing positions/segments, deterministic shuffling and splits.
#include "data/sequence_ops.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/core/error.h"

namespace lorag::data {
namespace {

constexpr int64_t I = kIgnoreIndex;

LabelledTokens tokens(std::vector<int64_t> ids, std::vector<int64_t> labels) {
  return {std::move(ids), std::move(labels), false};
}

TEST(TruncateExamples, CutsFromTheRightAndCountsIt) {
  TruncationCounts counts;
  const auto out = truncate_examples({tokens({1, 2, 3, 4, 5, 6}, {I, I, 3, 4, 5, 6}), tokens({7, 8}, {I, 8})}, 4,
                                     counts);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].input_ids, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(out[0].labels, (std::vector<int64_t>{I, I, 3, 4}));
  EXPECT_EQ(out[0].position_ids, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(out[0].sequence_ids, (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(out[1].input_ids, (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(counts.truncated, 1u);
  EXPECT_EQ(counts.dropped, 0u);
}

TEST(TruncateExamples, DropsExamplesLeftWithoutALabel) {
  TruncationCounts counts;
  const auto out = truncate_examples({tokens({1, 2, 3, 4, 5}, {I, I, I, I, 5}), tokens({6, 7}, {I, 7})}, 3, counts);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].input_ids, (std::vector<int64_t>{6, 7}));
  EXPECT_EQ(counts.dropped, 1u);
  EXPECT_EQ(counts.truncated, 0u);
}

TEST(PackExamples, RestartsPositionsAndNumbersSegments) {
  TruncationCounts counts;
  const auto examples = truncate_examples(
      {tokens({1, 2, 3}, {I, 2, 3}), tokens({4, 5}, {4, 5}), tokens({6, 7, 8, 9}, {I, I, 8, 9}), tokens({10}, {10})},
      6, counts);
  const auto packed = pack_examples(examples, 6);
  ASSERT_EQ(packed.size(), 2u);
  EXPECT_EQ(packed[0].input_ids, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(packed[0].position_ids, (std::vector<int64_t>{0, 1, 2, 0, 1}));
  EXPECT_EQ(packed[0].sequence_ids, (std::vector<int64_t>{0, 0, 0, 1, 1}));
  // The second example's first label would be predicted across the boundary.
  EXPECT_EQ(packed[0].labels, (std::vector<int64_t>{I, 2, 3, I, 5}));
  EXPECT_EQ(packed[1].input_ids, (std::vector<int64_t>{6, 7, 8, 9, 10}));
  EXPECT_EQ(packed[1].position_ids, (std::vector<int64_t>{0, 1, 2, 3, 0}));
  EXPECT_EQ(packed[1].sequence_ids, (std::vector<int64_t>{0, 0, 0, 0, 1}));
  for (const auto& seq : packed) EXPECT_LE(seq.size(), 6u);
}

TEST(ShuffledIndices, IsADeterministicPermutation) {
  const auto a = shuffled_indices(100, 7);
  EXPECT_EQ(a, shuffled_indices(100, 7));
  EXPECT_NE(a, shuffled_indices(100, 8));
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(a, sorted);
  // Pinned values: the shuffle must not change across platforms or releases
  // (it decides which examples land in eval).
  EXPECT_EQ(shuffled_indices(8, 42), (std::vector<std::size_t>{7, 0, 5, 1, 2, 4, 3, 6}));
}

TEST(SplitIndices, HoldsOutTheFractionDeterministically) {
  const auto split = split_indices(20, 0.25, 3);
  EXPECT_EQ(split.eval.size(), 5u);
  EXPECT_EQ(split.train.size(), 15u);
  EXPECT_EQ(split.eval, split_indices(20, 0.25, 3).eval);
  EXPECT_NE(split.eval, split_indices(20, 0.25, 4).eval);
  std::vector<std::size_t> all = split.train;
  all.insert(all.end(), split.eval.begin(), split.eval.end());
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
  EXPECT_TRUE(std::is_sorted(split.eval.begin(), split.eval.end()));
}

TEST(SplitIndices, TinyFractionsHoldOutOneAndNoneLeftIsAnError) {
  EXPECT_EQ(split_indices(10, 0.01, 1).eval.size(), 1u);
  EXPECT_TRUE(split_indices(10, 0.0, 1).eval.empty());
  EXPECT_THROW(split_indices(1, 0.5, 1), ConfigError);
  EXPECT_THROW(split_indices(10, 1.0, 1), ConfigError);
}

}  // namespace
}  // namespace lorag::data
