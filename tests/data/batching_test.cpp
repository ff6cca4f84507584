// SPDX-License-Identifier: Apache-2.0
// Right padding, attention masks and the block-diagonal causal mask.
#include "data/batching.h"

#include <gtest/gtest.h>

#include "data/conversation_encoder.h"
#include "data/sequence_ops.h"
#include "model/core/error.h"

namespace lorag::data {
namespace {

constexpr int64_t I = kIgnoreIndex;

std::vector<Example> examples() {
  TruncationCounts counts;
  return truncate_examples({{{1, 2, 3}, {I, 2, 3}, false}, {{4, 5}, {I, 5}, false}, {{6}, {6}, false}}, 8, counts);
}

TEST(Collate, PadsOnTheRight) {
  const Batch b = collate(examples(), 0, 2, /*pad_id=*/0);
  EXPECT_EQ(b.batch_size, 2);
  EXPECT_EQ(b.seq_len, 3);
  EXPECT_EQ(b.input_ids, (std::vector<int64_t>{1, 2, 3, 4, 5, 0}));
  EXPECT_EQ(b.labels, (std::vector<int64_t>{I, 2, 3, I, 5, I}));
  EXPECT_EQ(b.attention_mask, (std::vector<int64_t>{1, 1, 1, 1, 1, 0}));
  EXPECT_EQ(b.position_ids, (std::vector<int64_t>{0, 1, 2, 0, 1, 0}));
  EXPECT_EQ(b.sequence_ids, (std::vector<int64_t>{0, 0, 0, 0, 0, -1}));
  EXPECT_EQ(b.label_tokens(), 3);
  EXPECT_FALSE(b.packed());
}

TEST(MakeBatches, KeepsOrEndsWithTheShortBatch) {
  EXPECT_EQ(make_batches(examples(), 2, 0).size(), 2u);
  EXPECT_EQ(make_batches(examples(), 2, 0).back().batch_size, 1);
  EXPECT_EQ(make_batches(examples(), 2, 0, /*drop_last=*/true).size(), 1u);
  EXPECT_THROW(make_batches(examples(), 0, 0), ConfigError);
}

TEST(PadIdFor, FallsBackToEos) {
  model::text::SpecialTokens sp;
  sp.eos_ids = {2, 7};
  EXPECT_EQ(pad_id_for(sp), 2);
  sp.pad_id = 5;
  EXPECT_EQ(pad_id_for(sp), 5);
  EXPECT_EQ(pad_id_for(model::text::SpecialTokens{}), 0);
}

TEST(BlockCausalMask, NoAttentionAcrossPackedExamplesOrPadding) {
  const auto packed = pack_examples(examples(), 5);  // [1 2 3 4 5] and [6]
  const Batch b = collate(packed, 0, 2, 0);
  ASSERT_TRUE(b.packed());
  const auto mask = block_causal_mask(b);
  ASSERT_EQ(mask.size(), 2u * 5 * 5);
  const std::vector<uint8_t> row0 = {
      1, 0, 0, 0, 0,  //
      1, 1, 0, 0, 0,  //
      1, 1, 1, 0, 0,  //
      0, 0, 0, 1, 0,  // first token of the second example sees only itself
      0, 0, 0, 1, 1};
  EXPECT_EQ(std::vector<uint8_t>(mask.begin(), mask.begin() + 25), row0);
  const std::vector<uint8_t> row1 = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(std::vector<uint8_t>(mask.begin() + 25, mask.end()), row1);
}

}  // namespace
}  // namespace lorag::data
