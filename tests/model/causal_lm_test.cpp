// SPDX-License-Identifier: Apache-2.0
// The transformer against transformers' logits on tiny random checkpoints.
#include "model/causal_lm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/kv_cache.h"
#include "tests/model/model_test_util.h"

namespace lorag::test {
namespace {

class CausalLMParity : public ::testing::TestWithParam<std::string> {};

TEST_P(CausalLMParity, LogitsMatchTransformers) {
  torch::NoGradGuard no_grad;
  auto m = load_fixture_model(GetParam());
  auto logits = m.net->forward({.input_ids = m.reference["input_ids"]});
  auto expected = m.reference["logits"];
  ASSERT_EQ(logits.sizes(), expected.sizes());
  EXPECT_LT((logits - expected).abs().max().item<double>(), kFp32LogitTolerance);
}

TEST_P(CausalLMParity, LeftPaddedBatchMatchesTransformersOnRealTokens) {
  torch::NoGradGuard no_grad;
  auto m = load_fixture_model(GetParam());
  auto mask = m.reference["padded_mask"].to(torch::kBool);
  auto logits = m.net->forward({.input_ids = m.reference["padded_ids"],
                                .positions = m.reference["padded_positions"],
                                .key_valid = mask});
  auto diff = (logits - m.reference["padded_logits"]).abs().amax(-1);  // [B, T]
  EXPECT_LT(diff.masked_select(mask).max().item<double>(), kFp32LogitTolerance);
  EXPECT_FALSE(logits.isnan().any().item<bool>()) << "padding rows must not produce NaN";
}

TEST_P(CausalLMParity, KvCacheDecodeEqualsFullRecompute) {
  torch::NoGradGuard no_grad;
  auto m = load_fixture_model(GetParam());
  auto ids = m.reference["input_ids"];  // [2, 24]
  const int64_t prefill = 9;
  model::KvCache cache(m.config, ids.size(0), ids.size(1), torch::dtype(torch::kFloat32));
  std::vector<torch::Tensor> steps = {m.net->forward({.input_ids = ids.narrow(1, 0, prefill), .cache = &cache})};
  for (int64_t t = prefill; t < ids.size(1); ++t) {
    steps.push_back(m.net->forward({.input_ids = ids.narrow(1, t, 1), .cache = &cache}));
  }
  auto incremental = torch::cat(steps, 1);
  EXPECT_EQ(cache.length(), ids.size(1));
  // Dynamic NTK rescales every position once the sequence outgrows the context, so
  // a full recompute past that point differs from cached decoding by design (as
  // in transformers); compare up to the original context there.
  int64_t comparable = ids.size(1);
  if (m.config.rope_scaling.type == "dynamic") comparable = m.config.max_position_embeddings;
  // LongRoPE likewise switches every position to its long factors once the
  // sequence passes the original context; a prefill already past it never switches.
  const int64_t original = m.config.rope_scaling.original_max_position_embeddings;
  if (m.config.rope_scaling.type == "longrope" && original >= prefill) comparable = original;
  auto full = m.net->forward({.input_ids = ids.narrow(1, 0, comparable)});
  auto diff = (incremental.narrow(1, 0, comparable) - full).abs().max();
  EXPECT_LT(diff.item<double>(), kFp32LogitTolerance);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CausalLMParity,
                         ::testing::Values("llama", "llama_tied", "llama_bias", "llama_headdim",
                                           "llama_rope_linear", "llama_rope_dynamic", "llama_rope_llama3",
                                           "llama_sharded", "mistral", "qwen2", "gemma3", "gemma3_softcap",
                                           "phi3", "phi3_longrope", "phi3_longrope_partial", "qwen3", "qwen3_tied",
                                           "phi"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lorag::test
