// SPDX-License-Identifier: Apache-2.0
// The training forward: plain batches as the model computes them, packed rows as
// their examples alone, and gradient checkpointing with the same gradients.
#include "train/train_forward.h"

#include <gtest/gtest.h>

#include "adapters/adapter_set.h"
#include "tests/train/train_test_util.h"
#include "train/chunked_loss.h"

namespace lorag::test {
namespace {

// fp32 CPU; masks and kernels differ only in summation order.
constexpr double kHiddenTolerance = 1e-5;
constexpr double kGradTolerance = 1e-6;

// [B, T, 1] float: 1 on real tokens.
torch::Tensor batch_real(const data::Batch& batch) {
  return train::to_tensors(batch, torch::kCPU).key_valid.unsqueeze(-1).to(torch::kFloat32);
}

TEST(TrainForward, BlockMaskOfAPaddedBatchEqualsTheCausalPaddingMask) {
  auto m = load_chat_model();
  const auto batch = data::collate({example_of({5, 6, 7, 8, 9, 10}), example_of({11, 12, 13})}, 0, 2, 0);
  auto bt = train::to_tensors(batch, torch::kCPU);
  ASSERT_TRUE(bt.key_valid.defined());
  torch::NoGradGuard no_grad;
  const auto reference = m.net->hidden_states({bt.input_ids, bt.positions, bt.key_valid});
  // The same attention as an explicit [B, T, T] mask: causal, real keys only.
  const int64_t T = bt.input_ids.size(1);
  const auto causal = torch::ones({T, T}, torch::kBool).tril();
  bt.block_mask = causal.unsqueeze(0).logical_and(bt.key_valid.unsqueeze(1));  // [B, T, T]
  bt.key_valid = at::Tensor();
  const auto own = train::training_hidden_states(*m.net, bt, /*checkpoint=*/false);
  const auto real = batch_real(batch);
  EXPECT_LT(max_abs_diff(reference * real, own * real), kHiddenTolerance);
}

TEST(TrainForward, PackedExamplesSeeOnlyThemselves) {
  auto m = load_chat_model();
  const auto a = example_of({5, 6, 7, 8, 9}), b = example_of({20, 21, 22, 23});
  const auto packed = data::collate({pack({a, b}), example_of({30, 31})}, 0, 2, 0);
  const auto bt = train::to_tensors(packed, torch::kCPU);
  ASSERT_TRUE(bt.block_mask.defined());
  torch::NoGradGuard no_grad;
  const auto h = train::training_hidden_states(*m.net, bt, false);  // [2, 9, C]
  const auto alone_a = m.net->hidden_states({torch::tensor(a.input_ids).unsqueeze(0)});
  const auto alone_b = m.net->hidden_states({torch::tensor(b.input_ids).unsqueeze(0)});
  const auto alone_c = m.net->hidden_states({torch::tensor({30L, 31L}).unsqueeze(0)});
  EXPECT_LT(max_abs_diff(h[0].narrow(0, 0, 5), alone_a[0]), kHiddenTolerance);
  EXPECT_LT(max_abs_diff(h[0].narrow(0, 5, 4), alone_b[0]), kHiddenTolerance);
  EXPECT_LT(max_abs_diff(h[1].narrow(0, 0, 2), alone_c[0]), kHiddenTolerance);
  EXPECT_FALSE(h.isnan().any().item<bool>());  // padding rows attend to themselves, no NaN
}

TEST(TrainForward, CheckpointingKeepsGradientsAndDropoutMasks) {
  auto m = load_chat_model();
  adapters::LoraConfig lc;
  lc.r = 4;
  lc.lora_alpha = 8;
  lc.lora_dropout = 0.3;  // the recompute must replay the same masks
  lc.target_modules = {"q_proj", "v_proj", "down_proj"};
  torch::manual_seed(0);
  auto adapter = adapters::AdapterSet::create(*m.net, lc);
  adapter.attach(m.net, torch::kFloat32);
  {
    torch::NoGradGuard g;
    for (auto& p : adapter.parameters()) p.normal_(0, 0.1);
  }
  m.net->train();
  const auto a = example_of({5, 6, 7, 8, 9}), b = example_of({20, 21, 22, 23});
  const auto bt = train::to_tensors(data::collate({pack({a, b}), example_of({30, 31, 32})}, 0, 2, 0), torch::kCPU);
  auto grads_of = [&](bool checkpoint) {
    for (auto& p : adapter.parameters()) p.mutable_grad() = torch::Tensor();
    torch::manual_seed(123);
    auto h = train::training_hidden_states(*m.net, bt, checkpoint);
    auto loss = train::chunked_lm_loss_sum(*m.net, h, bt.targets, 16);
    loss.backward();
    std::vector<torch::Tensor> out{loss.detach()};
    for (auto& p : adapter.parameters()) out.push_back(p.grad().clone());
    return out;
  };
  const auto plain = grads_of(false), ckpt = grads_of(true);
  EXPECT_NEAR(plain[0].item<double>(), ckpt[0].item<double>(), 1e-5);
  for (size_t i = 1; i < plain.size(); ++i) {
    EXPECT_LT(max_abs_diff(plain[i], ckpt[i]), kGradTolerance) << "parameter " << i - 1;
  }
}

}  // namespace
}  // namespace lorag::test
