// SPDX-License-Identifier: Apache-2.0
// YaRN rope scaling against transformers' logits on tiny Llama/Qwen2 checkpoints
// (scripts/fixtures/robust_models.py), issue #18.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/causal_lm.h"
#include "model/kv_cache.h"
#include "model/weight_loading.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

class YarnParity : public ::testing::TestWithParam<std::string> {};

TEST_P(YarnParity, LogitsMatchTransformers) {
  torch::NoGradGuard no_grad;
  auto m = load_fixture_model(GetParam());
  ASSERT_EQ(m.config.rope_scaling.type, "yarn");
  auto logits = m.net->forward({.input_ids = m.reference["input_ids"]});
  ASSERT_EQ(logits.sizes(), m.reference["logits"].sizes());
  EXPECT_LT((logits - m.reference["logits"]).abs().max().item<double>(), kFp32LogitTolerance);
}

TEST_P(YarnParity, KvCacheDecodeEqualsFullRecompute) {
  torch::NoGradGuard no_grad;
  auto m = load_fixture_model(GetParam());
  auto ids = m.reference["input_ids"];  // [2, 24]
  model::KvCache cache(m.config, ids.size(0), ids.size(1), torch::dtype(torch::kFloat32));
  std::vector<torch::Tensor> steps = {m.net->forward({.input_ids = ids.narrow(1, 0, 9), .cache = &cache})};
  for (int64_t t = 9; t < ids.size(1); ++t) {
    steps.push_back(m.net->forward({.input_ids = ids.narrow(1, t, 1), .cache = &cache}));
  }
  auto diff = (torch::cat(steps, 1) - m.net->forward({.input_ids = ids})).abs().max();
  EXPECT_LT(diff.item<double>(), kFp32LogitTolerance);
}

// The fixtures exercise YaRN: the same weights with plain rope give other logits,
// so the parity above cannot pass by ignoring the scaling.
TEST_P(YarnParity, DiffersFromPlainRope) {
  torch::NoGradGuard no_grad;
  auto m = load_fixture_model(GetParam());
  auto plain_config = m.config;
  plain_config.rope_scaling = model::RopeScaling{};
  model::CausalLM plain(plain_config, torch::TensorOptions().dtype(torch::kFloat32));
  model::load_weights(*plain, *model::open_safetensors_checkpoint(fixture("models/" + GetParam())));
  auto logits = plain->forward({.input_ids = m.reference["input_ids"]});
  EXPECT_GT((logits - m.reference["logits"]).abs().max().item<double>(), 100 * kFp32LogitTolerance);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, YarnParity,
                         ::testing::Values("llama_rope_yarn", "qwen2_rope_yarn", "llama_rope_yarn_mscale"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lorag::test
