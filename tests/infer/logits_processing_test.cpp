// SPDX-License-Identifier: Apache-2.0
// Logit transforms against transformers' processors on the same logits.
#include "infer/logits_processing.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::infer {
namespace {

constexpr double kTolerance = 1e-5;  // same fp32 ops, same order

class LogitsProcessing : public ::testing::Test {
 protected:
  void SetUp() override { ref = test::read_tensors(test::fixture("sampling/processors.safetensors")); }
  // -inf positions must agree exactly, finite values within tolerance.
  static void expect_same(const torch::Tensor& got, const torch::Tensor& want) {
    ASSERT_TRUE(torch::equal(got.isinf(), want.isinf()));
    auto finite = want.isfinite();
    EXPECT_LT((got.masked_select(finite) - want.masked_select(finite)).abs().max().item<double>(), kTolerance);
  }
  std::map<std::string, torch::Tensor> ref;
};

TEST_F(LogitsProcessing, RepetitionPenaltyMatchesTransformers) {
  auto logits = ref["logits"].clone();
  apply_repetition_penalty(logits, ref["seen"], {}, 1.3);
  expect_same(logits, ref["repetition"]);
}

TEST_F(LogitsProcessing, RepetitionPenaltyIgnoresPaddingSlots) {
  auto seen = ref["seen"].clone();
  auto valid = torch::ones_like(seen, torch::kBool);
  valid.narrow(1, 0, 2).fill_(false);  // first two slots are padding...
  seen.narrow(1, 0, 2).fill_(0);       // ...holding id 0
  auto logits = ref["logits"].clone();
  apply_repetition_penalty(logits, seen, valid, 1.3);
  auto expected = ref["logits"].clone();
  apply_repetition_penalty(expected, seen.narrow(1, 2, seen.size(1) - 2), {}, 1.3);
  EXPECT_TRUE(torch::allclose(logits, expected));
}

TEST_F(LogitsProcessing, WarpersMatchTransformers) {
  GenerateConfig temperature{.temperature = 0.7};
  expect_same(warp_logits(ref["logits"], temperature), ref["temperature"]);
  GenerateConfig top_k{.temperature = 1.0, .top_k = 5};
  expect_same(warp_logits(ref["logits"], top_k), ref["top_k"]);
  GenerateConfig top_p{.temperature = 1.0, .top_p = 0.8};
  expect_same(warp_logits(ref["logits"], top_p), ref["top_p"]);
  GenerateConfig min_p{.temperature = 1.0, .min_p = 0.1};
  expect_same(warp_logits(ref["logits"], min_p), ref["min_p"]);
  GenerateConfig chained{.temperature = 0.7, .top_k = 20, .top_p = 0.9, .min_p = 0.05};
  expect_same(warp_logits(ref["logits"], chained), ref["chained"]);
}

TEST(FrequencyPresence, SubtractsOpenAIPenalties) {
  auto logits = torch::zeros({1, 4});
  auto counts = torch::tensor({{0.0f, 1.0f, 3.0f, 0.0f}});
  apply_frequency_presence(logits, counts, 0.5, 0.25);
  auto expected = torch::tensor({{0.0f, -0.75f, -1.75f, 0.0f}});
  EXPECT_TRUE(torch::allclose(logits, expected));
}

}  // namespace
}  // namespace lorag::infer
