// SPDX-License-Identifier: Apache-2.0
// The chunked LM loss against transformers' loss and torch's full cross entropy,
// values and gradients.
#include "train/chunked_loss.h"

#include <gtest/gtest.h>

#include "adapters/adapter_set.h"
#include "tests/train/train_test_util.h"
#include "train/batch_tensors.h"
#include "train/train_forward.h"

namespace lorag::test {
namespace {

// fp32 CPU both sides; only summation order differs.
constexpr double kLossTolerance = 1e-5;
// Gradients relative to their largest entry (sums over 16 rows of a 512-way softmax).
constexpr double kRelativeGradTolerance = 1e-5;

std::vector<int64_t> flat(const nlohmann::json& rows) {
  std::vector<int64_t> out;
  for (const auto& r : rows) for (const auto& v : r) out.push_back(v.get<int64_t>());
  return out;
}

TEST(ChunkedLoss, MatchesTransformersLossOnTheChatModel) {
  auto m = load_chat_model();
  const auto ref = read_json(fixture("train/loss.json"));
  data::Batch b;
  b.batch_size = static_cast<int64_t>(ref["input_ids"].size());
  b.seq_len = static_cast<int64_t>(ref["input_ids"][0].size());
  b.input_ids = flat(ref["input_ids"]);
  b.labels = flat(ref["labels"]);
  b.attention_mask = flat(ref["attention_mask"]);
  for (int64_t r = 0; r < b.batch_size; ++r) {
    for (int64_t t = 0; t < b.seq_len; ++t) {
      const bool real = b.attention_mask[static_cast<size_t>(r * b.seq_len + t)] != 0;
      b.position_ids.push_back(real ? t : 0);
      b.sequence_ids.push_back(real ? 0 : -1);
    }
  }
  const auto bt = train::to_tensors(b, torch::kCPU);
  torch::NoGradGuard no_grad;
  const auto hidden = train::training_hidden_states(*m.net, bt, false);
  for (int64_t chunk : {1, 5, 1024}) {
    const double sum = train::chunked_lm_loss_sum(*m.net, hidden, bt.targets, chunk).item<double>();
    EXPECT_NEAR(sum / static_cast<double>(bt.label_tokens), ref["loss"].get<double>(), kLossTolerance) << chunk;
  }
}

TEST(ChunkedLoss, ValueAndGradientsEqualFullCrossEntropy) {
  auto m = load_chat_model();
  // LoRA on the LM head's input side too: the loss must reach adapter weights
  // used inside net.logits (here the tied head has none, so use all-linear).
  adapters::LoraConfig lc;
  lc.r = 4;
  lc.lora_alpha = 8;
  torch::manual_seed(0);
  auto adapter = adapters::AdapterSet::create(*m.net, lc);
  adapter.attach(m.net, torch::kFloat32);
  {
    torch::NoGradGuard g;
    for (auto& p : adapter.parameters()) p.normal_(0, 0.1);
  }
  torch::manual_seed(1);
  const int64_t B = 2, T = 9, V = m.config.vocab_size;
  auto ids = torch::randint(3, V, {B, T}, torch::kInt64);
  auto targets = torch::randint(0, V, {B, T}, torch::kInt64);
  targets.index_put_({0, torch::indexing::Slice(0, 3)}, -100);
  targets.index_put_({1, T - 1}, -100);

  auto grads_of = [&](bool chunked) {
    for (auto& p : adapter.parameters()) p.mutable_grad() = torch::Tensor();
    auto hidden = m.net->hidden_states({ids});
    torch::Tensor loss;
    if (chunked) {
      loss = train::chunked_lm_loss_sum(*m.net, hidden, targets, 4);
    } else {
      auto logits = m.net->logits(hidden).to(torch::kFloat32).reshape({-1, V});
      loss = torch::nn::functional::cross_entropy(
          logits, targets.reshape({-1}),
          torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum).ignore_index(-100));
    }
    loss.backward();
    std::vector<torch::Tensor> grads{loss.detach()};
    for (auto& p : adapter.parameters()) grads.push_back(p.grad().clone());
    return grads;
  };
  const auto full = grads_of(false), chunked = grads_of(true);
  EXPECT_NEAR(chunked[0].item<double>(), full[0].item<double>(), kLossTolerance * full[0].item<double>());
  ASSERT_EQ(full.size(), chunked.size());
  for (size_t i = 1; i < full.size(); ++i) {
    const double scale = std::max(1.0, full[i].abs().max().item<double>());
    EXPECT_LT(max_abs_diff(full[i], chunked[i]) / scale, kRelativeGradTolerance) << "parameter " << i - 1;
    EXPECT_GT(full[i].abs().max().item<double>(), 0.0);
  }
}

TEST(ChunkedLoss, NothingCountedIsZero) {
  auto m = load_chat_model();
  auto hidden = torch::randn({1, 4, m.config.hidden_size});
  auto targets = torch::full({1, 4}, -100, torch::kInt64);
  EXPECT_EQ(train::chunked_lm_loss_sum(*m.net, hidden, targets, 8).item<double>(), 0.0);
}

}  // namespace
}  // namespace lorag::test
