// SPDX-License-Identifier: Apache-2.0
// Greedy decoding through the fused CPU decode loops (model/nn/fused_decode.h) against
// the LibTorch path on the same model: each family's tiny fixture, fp32 and bf16,
// GQA where the fixture has it, with a LoRA adapter on every linear layer.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/causal_lm.h"
#include "model/kv_cache.h"
#include "model/lora_linear.h"
#include "model/model_loader.h"
#include "model/nn/fused_decode.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

// fp32: summation order and a 2-ulp exp only. bf16: hidden states are rounded to 8
// bits after every operator, and one value rounded the other way moves 2 layers of
// random weights' logits by a few bf16 steps of their range; 2% of the largest |logit|
// bounds that while a missing adapter or a wrong head moves them by the whole range.
constexpr double kFp32Tolerance = 1e-4;
constexpr double kBf16RelTolerance = 0.02;

// Every linear layer gets a rank-4 adapter with random non-zero B (scale 2).
int attach_adapters(model::CausalLM& net) {
  torch::manual_seed(11);
  int attached = 0;
  for (auto& module : net->modules(/*include_self=*/false)) {
    auto* linear = dynamic_cast<model::LoraLinearImpl*>(module.get());
    if (!linear) continue;
    linear->attach(4, 8.0, 0.0, false);
    torch::NoGradGuard no_grad;
    linear->lora_B->weight.copy_(torch::randn(linear->lora_B->weight.sizes()) * 0.5);
    ++attached;
  }
  return attached;
}

struct Decoded {
  std::vector<torch::Tensor> logits;  // per step [B, V] fp32
  std::vector<int64_t> tokens;        // row 0's greedy choices
};

// A 5-token prompt for two rows, then `steps` greedy tokens one at a time through the cache.
Decoded greedy(model::CausalLM& net, const model::ModelConfig& config, int64_t steps) {
  torch::NoGradGuard no_grad;
  auto ids = torch::tensor({{1, 7, 3, 9, 4}, {2, 5, 8, 6, 3}}, torch::kInt64).remainder(config.vocab_size);
  model::KvCache cache(config, 2, ids.size(1) + steps, torch::dtype(net->dtype()));
  Decoded out;
  auto logits = net->forward({.input_ids = ids, .cache = &cache, .last_logits_only = true});  // [2, 1, V]
  for (int64_t s = 0; s < steps; ++s) {
    auto last = logits.select(1, logits.size(1) - 1).to(torch::kFloat32);  // [2, V]
    out.logits.push_back(last);
    auto next = last.argmax(-1, /*keepdim=*/true);  // [2, 1]
    out.tokens.push_back(next[0][0].item<int64_t>());
    logits = net->forward({.input_ids = next, .cache = &cache});  // [2, 1, V]
  }
  return out;
}

class FusedDecode : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(FusedDecode, GreedyDecodeEqualsTheLibTorchPathWithLoraAttached) {
  const auto& [name, dtype] = GetParam();
  auto m = load_fixture_model(name);  // fp32
  if (dtype == "bf16") m.net->to(torch::kBFloat16);
  ASSERT_GT(attach_adapters(m.net), 0);
  const int64_t steps = 8;
  const auto fused = greedy(m.net, m.config, steps);
  Decoded reference;
  {
    model::nn::ScopedUnfusedDecode unfused;
    reference = greedy(m.net, m.config, steps);
  }
  EXPECT_EQ(fused.tokens, reference.tokens);
  for (int64_t s = 0; s < steps; ++s) {
    const double diff = (fused.logits[s] - reference.logits[s]).abs().max().item<double>();
    if (dtype == "fp32") {
      EXPECT_LT(diff, kFp32Tolerance) << "step " << s;
    } else {
      EXPECT_LT(diff / reference.logits[s].abs().max().item<double>(), kBf16RelTolerance) << "step " << s;
    }
  }
  // The adapters take part: the same decode without them gives other logits.
  for (auto& module : m.net->modules(false)) {
    if (auto* linear = dynamic_cast<model::LoraLinearImpl*>(module.get())) linear->detach();
  }
  const auto base = greedy(m.net, m.config, 1);
  EXPECT_GT((base.logits[0] - fused.logits[0]).abs().max().item<double>(), 1e-2);
}

// The user's path on a GGUF kept quantized (int8 activations into the block kernels,
// q/k/v and gate/up as one product each), with adapters on the quantized layers: the
// fused loops change the inputs of that quantization only by rounding noise.
TEST(FusedDecode, GreedyDecodeOnAKeptQuantizedGgufWithLoraEqualsTheLibTorchPath) {
  for (const std::string dtype : {"fp32", "bf16"}) {
    auto m = model::load_model(fixture("gguf_models/llama/model.gguf"),
                               {.device = "cpu", .dtype = dtype, .quantized = "keep"});
    ASSERT_GT(m.quantized_tensors, 0);
    const auto base = greedy(m.net, m.config, 1);
    ASSERT_GT(attach_adapters(m.net), 0);
    const auto fused = greedy(m.net, m.config, 8);
    model::nn::ScopedUnfusedDecode unfused;
    const auto reference = greedy(m.net, m.config, 8);
    EXPECT_EQ(fused.tokens, reference.tokens) << dtype;
    for (size_t s = 0; s < fused.logits.size(); ++s) {
      const double rel = ((fused.logits[s] - reference.logits[s]).abs().max() / reference.logits[s].abs().max())
                             .item<double>();
      EXPECT_LT(rel, kBf16RelTolerance) << dtype << " step " << s;
    }
    EXPECT_GT((base.logits[0] - fused.logits[0]).abs().max().item<double>(), 1e-2) << dtype << ": adapters ignored";
  }
}

INSTANTIATE_TEST_SUITE_P(Families, FusedDecode,
                         ::testing::Combine(::testing::Values("llama", "mistral", "qwen2", "qwen3", "gemma3",
                                                              "gemma3_softcap", "phi3", "phi"),
                                            ::testing::Values("fp32", "bf16")),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

}  // namespace
}  // namespace lorag::test
