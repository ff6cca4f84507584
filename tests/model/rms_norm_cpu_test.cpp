// SPDX-License-Identifier: Apache-2.0
// The one-loop CPU RMSNorm for decode rows (model/nn/rms_norm_cpu.h) against the
// ATen form it replaces (LlamaRMSNorm as transformers writes it).
#include "model/nn/rms_norm_cpu.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/nn/rms_norm.h"

namespace lorag::model::nn {
namespace {

torch::Tensor aten_form(const torch::Tensor& x, const torch::Tensor& w, double eps) {
  auto x32 = x.to(torch::kFloat32);
  auto normed = x32 * torch::rsqrt(x32.pow(2).mean(-1, true) + eps);
  return w * normed.to(x.scalar_type());
}

TEST(RmsNormCpu, MatchesTheAtenFormInFp32AndBf16) {
  torch::manual_seed(1);
  for (int64_t rows : {int64_t{1}, int64_t{3}, kRmsNormCpuMaxRows}) {
    auto x = torch::randn({rows, 1, 576}) * 3;
    auto w = torch::rand({576}) + 0.5;
    auto got = rms_norm_cpu_rows(x, w, 1e-5);
    ASSERT_TRUE(got.defined());
    // fp32: summation order and 1/sqrt vs rsqrt only.
    EXPECT_LT((got - aten_form(x, w, 1e-5)).abs().max().item<double>(), 1e-5) << rows;
    auto xb = x.to(torch::kBFloat16), wb = w.to(torch::kBFloat16);
    auto gotb = rms_norm_cpu_rows(xb, wb, 1e-5);
    ASSERT_TRUE(gotb.defined());
    EXPECT_EQ(gotb.scalar_type(), torch::kBFloat16);
    // bf16: both round the same fp32 values twice; a value next to a rounding
    // boundary may land one bf16 step (2^-8 relative) away.
    auto want = aten_form(xb, wb, 1e-5).to(torch::kFloat32);
    EXPECT_LE(((gotb.to(torch::kFloat32) - want).abs() / want.abs().clamp_min(1e-3)).max().item<double>(), 1.0 / 128);
    EXPECT_GT(torch::eq(gotb, aten_form(xb, wb, 1e-5)).to(torch::kFloat32).mean().item<double>(), 0.99) << rows;
  }
}

TEST(RmsNormCpu, LeavesPrefillAutogradAndOtherDtypesToAten) {
  auto w = torch::ones({8});
  EXPECT_FALSE(rms_norm_cpu_rows(torch::randn({kRmsNormCpuMaxRows + 1, 8}), w, 1e-5).defined());
  EXPECT_FALSE(rms_norm_cpu_rows(torch::randn({2, 8}, torch::requires_grad()), w, 1e-5).defined());
  EXPECT_FALSE(rms_norm_cpu_rows(torch::randn({2, 8}).to(torch::kHalf), w.to(torch::kHalf), 1e-5).defined());
  EXPECT_FALSE(rms_norm_cpu_rows(torch::randn({8, 2}).t(), torch::ones({8}), 1e-5).defined());
}

TEST(RmsNormCpu, ModuleGivesTheSameOutputOnEitherPath) {
  torch::manual_seed(2);
  RmsNorm norm(64, 1e-6, torch::dtype(torch::kFloat32));
  {
    torch::NoGradGuard no_grad;
    norm->weight.uniform_(0.5, 1.5);
  }
  auto x = torch::randn({1, 20, 64});
  torch::NoGradGuard no_grad;
  auto full = norm(x);                      // 20 rows: the ATen form
  auto row = norm(x.slice(1, 7, 8).contiguous());  // 1 row: the loop
  EXPECT_LT((row - full.slice(1, 7, 8)).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace lorag::model::nn
