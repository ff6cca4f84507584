// SPDX-License-Identifier: Apache-2.0
// The one-loop CPU rotary embedding for decode rows (model/nn/rotary_cpu.h) against
// the ATen form it replaces (transformers' apply_rotary_pos_emb).
#include "model/nn/rotary_cpu.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace lorag::model::nn {
namespace {

torch::Tensor aten_form(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
}

TEST(RotaryCpu, EqualsTheAtenFormBitForBitInFp32AndBf16) {
  torch::manual_seed(4);
  for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    for (int64_t batch_table : {1, 2}) {
      // As attention builds it: [B, T, H, D] from the projection, viewed [B, H, T, D].
      auto x = torch::randn({2, 3, 9, 64}).to(dtype).transpose(1, 2);  // [2, 9, 3, 64], strided
      auto angles = torch::rand({batch_table, 3, 64}) * 6.28;
      auto cos = angles.cos().to(dtype), sin = angles.sin().to(dtype);
      auto got = apply_rotary_cpu_rows(x, cos, sin);
      ASSERT_TRUE(got.defined());
      EXPECT_TRUE(got.is_contiguous());
      EXPECT_TRUE(torch::equal(got, aten_form(x, cos, sin))) << dtype << " table batch " << batch_table;
    }
  }
}

TEST(RotaryCpu, LeavesPrefillAutogradAndMixedDtypesToAten) {
  auto cos = torch::ones({1, 1, 8}), sin = torch::zeros({1, 1, 8});
  EXPECT_TRUE(apply_rotary_cpu_rows(torch::randn({1, 2, 1, 8}), cos, sin).defined());
  EXPECT_FALSE(apply_rotary_cpu_rows(torch::randn({1, 2, 1, 8}, torch::requires_grad()), cos, sin).defined());
  EXPECT_FALSE(apply_rotary_cpu_rows(torch::randn({1, 2, 1, 8}).to(torch::kBFloat16), cos, sin).defined());
  auto long_cos = torch::ones({1, kRotaryCpuMaxRows + 1, 8}), long_sin = torch::zeros({1, kRotaryCpuMaxRows + 1, 8});
  EXPECT_FALSE(apply_rotary_cpu_rows(torch::randn({1, 2, kRotaryCpuMaxRows + 1, 8}), long_cos, long_sin).defined());
}

}  // namespace
}  // namespace lorag::model::nn
