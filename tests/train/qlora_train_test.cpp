// SPDX-License-Identifier: Apache-2.0
// Training on a base kept quantized (QLoRA): gradient checkpointing, which
// `lorag train` turns on for such a base, gives the adapters the gradients of the
// plain pass through the quantized matrices, dropout masks included.
#include <gtest/gtest.h>

#include "adapters/adapter_set.h"
#include "model/lora_linear.h"
#include "tests/train/train_test_util.h"
#include "train/batch_tensors.h"
#include "train/chunked_loss.h"
#include "train/train_forward.h"

namespace lorag::test {
namespace {

// fp32 both ways; the recompute runs the same kernels on the same inputs, so only
// the order gradients are summed in across layers may differ.
constexpr double kGradTolerance = 1e-6;

TEST(QLoRATraining, CheckpointedGradientsEqualThePlainPassOnAQuantizedBase) {
  torch::set_num_threads(1);
  auto m = model::load_model(fixture("quant_models/mixed") / "model.gguf",
                             {.device = "cpu", .dtype = "fp32", .quantized = "keep"});
  int64_t kept = 0;
  for (const auto& item : m.net->named_modules()) {
    if (auto linear = std::dynamic_pointer_cast<model::LoraLinearImpl>(item.value()); linear && linear->quantized_base()) {
      ++kept;
    }
  }
  ASSERT_GT(kept, 0);
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
  // 20 rows: more than the row kernels take, so the quantized matmuls run their tiles.
  std::vector<int64_t> a, b;
  for (int64_t i = 0; i < 11; ++i) a.push_back(3 + 7 * i), b.push_back(5 + 3 * i);
  const auto bt = train::to_tensors(data::collate({example_of(a), example_of({b.begin(), b.begin() + 9})}, 0, 2, 0),
                                    torch::kCPU);
  auto grads_of = [&](bool checkpoint) {
    for (auto& p : adapter.parameters()) p.mutable_grad() = torch::Tensor();
    torch::manual_seed(123);
    auto h = train::training_hidden_states(*m.net, bt, checkpoint);
    auto loss = train::chunked_lm_loss_sum(*m.net, h, bt.targets, 8);
    loss.backward();
    std::vector<torch::Tensor> out{loss.detach()};
    for (auto& p : adapter.parameters()) out.push_back(p.grad().clone());
    return out;
  };
  const auto plain = grads_of(false), ckpt = grads_of(true);
  EXPECT_NEAR(plain[0].item<double>(), ckpt[0].item<double>(), 1e-5);
  ASSERT_EQ(plain.size(), ckpt.size());
  for (size_t i = 1; i < plain.size(); ++i) {
    EXPECT_GT(plain[i].abs().max().item<double>(), 0.0) << "parameter " << i - 1;
    EXPECT_LT(max_abs_diff(plain[i], ckpt[i]), kGradTolerance) << "parameter " << i - 1;
  }
}

}  // namespace
}  // namespace lorag::test
