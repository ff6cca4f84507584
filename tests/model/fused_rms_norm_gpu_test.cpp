// SPDX-License-Identifier: Apache-2.0
// The fused CUDA RMSNorm against the LibTorch expression it replaces (label gpu).
#include "model/cuda/fused_rms_norm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

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

TEST(FusedRmsNorm, RejectsCpuTensors) {
  if (!cuda::fused_kernels_available()) GTEST_SKIP() << "built without CUDA kernels";
  EXPECT_THROW(cuda::fused_rms_norm(torch::ones({2, 4}), torch::ones({4}), 1e-6), c10::Error);
}

}  // namespace
}  // namespace lorag::model
