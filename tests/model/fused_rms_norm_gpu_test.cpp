// SPDX-License-Identifier: Apache-2.0
// The fused CUDA RMSNorm against the LibTorch expression it replaces (label gpu).
#include "model/cuda/fused_rms_norm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/nn/rms_norm.h"

namespace lorag::model {
namespace {

// The reference, written as transformers' LlamaRMSNorm.
torch::Tensor reference(const torch::Tensor& x, const torch::Tensor& w, double eps, double offset) {
  auto x32 = x.to(torch::kFloat32);
  auto normed = (x32 * torch::rsqrt(x32.pow(2).mean(-1, true) + eps)).to(x.scalar_type());
  return (w.to(torch::kFloat32) + offset).to(x.scalar_type()) * normed;
}

TEST(FusedRmsNorm, MatchesLibTorchExpressionPerDtype) {
  if (!torch::cuda::is_available() || !cuda::fused_kernels_available()) GTEST_SKIP() << "needs CUDA";
  torch::manual_seed(0);
  // Summation order differs from LibTorch's; the fp32 sums agree to ~1e-6, which
  // can move a bf16/fp16 rounding by one unit in the last place at most.
  const std::vector<std::pair<torch::ScalarType, double>> dtypes = {
      {torch::kFloat32, 1e-5}, {torch::kBFloat16, 1.0 / 128}, {torch::kFloat16, 1.0 / 1024}};
  for (const auto& [dtype, tolerance] : dtypes) {
    for (std::vector<int64_t> shape : {std::vector<int64_t>{3, 7, 576}, {1, 1, 4096}, {2, 5, 100}}) {
      auto opts = torch::TensorOptions().dtype(dtype).device(torch::kCUDA);
      auto x = torch::randn(shape, opts) * 3;
      auto w = torch::randn({shape.back()}, opts);
      for (double offset : {0.0, 1.0}) {
        auto got = cuda::fused_rms_norm(x, w, 1e-6, offset);
        auto want = reference(x, w, 1e-6, offset);
        auto rel = ((got.to(torch::kFloat32) - want.to(torch::kFloat32)).abs() /
                    (want.to(torch::kFloat32).abs() + 1e-3)).max().item<double>();
        EXPECT_LT(rel, tolerance) << c10::toString(dtype) << " " << shape.back() << " offset " << offset;
      }
    }
  }
}

// RmsNorm on CUDA at inference runs the kernel (bit for bit its output) for
// Llama's form in every dtype it supports and Gemma's in fp32; with autograd or
// Gemma's form in bf16 it keeps the LibTorch expression.
TEST(FusedRmsNorm, RmsNormCallsItOnCudaAtInference) {
  if (!torch::cuda::is_available() || !cuda::fused_kernels_available()) GTEST_SKIP() << "needs CUDA";
  torch::manual_seed(1);
  for (auto dtype : {torch::kFloat32, torch::kBFloat16, torch::kFloat16}) {
    for (auto weighting : {nn::NormWeighting::kWeight, nn::NormWeighting::kOnePlusWeight}) {
      auto opts = torch::TensorOptions().dtype(dtype).device(torch::kCUDA);
      nn::RmsNorm norm(576, 1e-6, opts, weighting);
      norm->weight.data().copy_(torch::randn({576}, opts));
      const double offset = weighting == nn::NormWeighting::kOnePlusWeight ? 1.0 : 0.0;
      auto x = torch::randn({3, 7, 576}, opts) * 3;
      torch::NoGradGuard no_grad;
      const auto got = norm(x);
      const auto fused = cuda::fused_rms_norm(x, norm->weight, 1e-6, offset);
      const bool expect_fused = weighting == nn::NormWeighting::kWeight || dtype == torch::kFloat32;
      if (expect_fused) {
        EXPECT_TRUE(torch::equal(got, fused)) << c10::toString(dtype) << " offset " << offset;
      } else {  // Gemma3RMSNorm: (1 + w) applied in fp32 before the one rounding
        auto x32 = x.to(torch::kFloat32);
        auto want = (x32 * torch::rsqrt(x32.pow(2).mean(-1, true) + 1e-6) * (1.0 + norm->weight.to(torch::kFloat32)))
                        .to(dtype);
        EXPECT_TRUE(torch::equal(got, want)) << c10::toString(dtype) << " gemma form";
      }
    }
  }
  // Training: autograd needs the LibTorch expression.
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCUDA);
  nn::RmsNorm norm(64, 1e-6, opts);
  auto x = torch::randn({2, 64}, opts).requires_grad_(true);
  auto y = norm(x);
  ASSERT_TRUE(y.requires_grad());
  y.sum().backward();
  EXPECT_TRUE(x.grad().defined());
  EXPECT_TRUE(torch::allclose(y.detach(), reference(x.detach(), norm->weight, 1e-6, 0.0), 1e-5, 1e-5));
}

TEST(FusedRmsNorm, RejectsCpuTensors) {
  if (!cuda::fused_kernels_available()) GTEST_SKIP() << "built without CUDA kernels";
  EXPECT_THROW(cuda::fused_rms_norm(torch::ones({2, 4}), torch::ones({4}), 1e-6), c10::Error);
}

}  // namespace
}  // namespace lorag::model
