// SPDX-License-Identifier: Apache-2.0
// LoraLinear: the adapter slot against a reference written out here, merge/unmerge, errors.
#include "model/lora_linear.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
using model::LoraLinear;

// fp32 on the CPU: the reference differs only in summation order.
constexpr double kFp32Tolerance = 1e-5;
// A fp32 merge→unmerge round trip rounds twice (w+δ, then −δ) at |w| ≲ 1: a few ulps.
constexpr double kFp32RoundTripTolerance = 1e-6;
// bf16 keeps 8 significant bits, so rounding moves a value by at most 2⁻⁹ of its
// magnitude. merge rounds w+δ and unmerge rounds the difference back, so the round
// trip is approximate: |w' − w| ≤ 2⁻⁹·(|w+δ| + |w|); the test allows twice that.
constexpr double kBf16RoundingFraction = 1.0 / 256;

LoraLinear make_linear(int64_t in, int64_t out, bool bias, torch::ScalarType dtype = torch::kFloat32) {
  torch::manual_seed(7);
  LoraLinear linear(in, out, bias, torch::dtype(dtype));
  torch::NoGradGuard no_grad;
  linear->weight.copy_(torch::randn({out, in}) / std::sqrt(static_cast<double>(in)));
  if (bias) linear->bias.copy_(torch::randn({out}) * 0.1);
  return linear;
}

// Attaches rank-`r` A/B with random non-zero B, alpha = 2r (scale 2).
void attach_random(LoraLinear& linear, int64_t r, torch::ScalarType dtype = torch::kFloat32) {
  linear->attach(r, 2.0 * r, 0.0, false, dtype);
  torch::NoGradGuard no_grad;
  linear->lora_B->weight.copy_(torch::randn(linear->lora_B->weight.sizes()) * 0.5);
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs().max().item<double>();
}

TEST(LoraLinear, ZeroBAdapterEqualsBase) {
  auto linear = make_linear(16, 12, true);
  auto x = torch::randn({2, 5, 16});
  auto base = linear->forward(x);
  linear->attach(4, 8.0);
  EXPECT_TRUE(linear->lora_B->weight.eq(0).all().item<bool>());
  EXPECT_GT(linear->lora_A->weight.abs().max().item<double>(), 0.0);
  // Kaiming-uniform(a=√5) bounds A by 1/√in.
  EXPECT_LE(linear->lora_A->weight.abs().max().item<double>(), 1.0 / std::sqrt(16.0));
  EXPECT_TRUE(torch::equal(linear->forward(x), base));
}

TEST(LoraLinear, ParameterKeysFollowPeft) {
  auto linear = make_linear(16, 12, false);
  linear->attach(4, 8.0);
  auto params = linear->named_parameters();
  EXPECT_TRUE(params.contains("weight"));
  EXPECT_TRUE(params.contains("lora_A.weight"));
  EXPECT_TRUE(params.contains("lora_B.weight"));
  EXPECT_EQ(params["lora_A.weight"].sizes(), torch::IntArrayRef({4, 16}));
  EXPECT_EQ(params["lora_B.weight"].sizes(), torch::IntArrayRef({12, 4}));
  EXPECT_EQ(params.size(), 3u);
}

TEST(LoraLinear, ForwardAndGradientsMatchReference) {
  auto linear = make_linear(16, 12, true);
  attach_random(linear, 4);
  const double s = linear->scale();
  EXPECT_DOUBLE_EQ(s, 2.0);
  auto x = torch::randn({3, 16});
  auto out = linear->forward(x);
  // Reference: x·Wᵀ + b + s·x·Aᵀ·Bᵀ, on copies that require grad.
  auto a = linear->lora_A->weight.detach().clone().requires_grad_(true);
  auto b = linear->lora_B->weight.detach().clone().requires_grad_(true);
  auto ref = torch::matmul(x, linear->weight.t()) + linear->bias +
             s * torch::matmul(torch::matmul(x, a.t()), b.t());
  EXPECT_LT(max_diff(out, ref), kFp32Tolerance);
  auto g = torch::randn_like(out);
  (out * g).sum().backward();
  (ref * g).sum().backward();
  EXPECT_LT(max_diff(linear->lora_A->weight.grad(), a.grad()), kFp32Tolerance);
  EXPECT_LT(max_diff(linear->lora_B->weight.grad(), b.grad()), kFp32Tolerance);
  EXPECT_FALSE(linear->weight.grad().defined()) << "the base weight must stay frozen";
  EXPECT_FALSE(linear->weight.requires_grad());
}

TEST(LoraLinear, AdapterParametersAreOnlyAAndB) {
  auto linear = make_linear(16, 12, true);
  EXPECT_TRUE(linear->adapter_parameters().empty());
  linear->attach(4, 8.0);
  auto params = linear->adapter_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_TRUE(params[0].is_same(linear->lora_A->weight));
  EXPECT_TRUE(params[1].is_same(linear->lora_B->weight));
  for (const auto& p : params) EXPECT_TRUE(p.requires_grad());
}

TEST(LoraLinear, RsLoraScaleIsAlphaOverSqrtRank) {
  auto linear = make_linear(16, 12, false);
  linear->attach(16, 8.0, 0.0, true);
  EXPECT_DOUBLE_EQ(linear->scale(), 2.0);
}

TEST(LoraLinear, MergedMatchesAttached) {
  auto linear = make_linear(16, 12, true);
  auto x = torch::randn({4, 16});
  auto base = linear->forward(x);
  attach_random(linear, 4);
  auto attached = linear->forward(x);
  linear->merge();
  auto merged = linear->forward(x);
  linear->unmerge();
  auto unmerged = linear->forward(x);  // unmerged, still attached
  auto a = linear->lora_A->weight.detach().clone(), b = linear->lora_B->weight.detach().clone();
  linear->detach();
  EXPECT_LT(max_diff(linear->forward(x), base), kFp32Tolerance);
  linear->attach(a, b, 2.0, 0.0, "test");
  auto reattached = linear->forward(x);
  EXPECT_LT(max_diff(merged, attached), kFp32Tolerance);
  EXPECT_LT(max_diff(unmerged, attached), kFp32Tolerance);
  EXPECT_LT(max_diff(reattached, attached), kFp32Tolerance);
  EXPECT_GT(max_diff(attached, base), 1e-2) << "the adapter must change the output";
}

TEST(LoraLinear, DisabledAdapterGivesBase) {
  auto linear = make_linear(16, 12, false);
  auto x = torch::randn({4, 16});
  auto base = linear->forward(x);
  attach_random(linear, 4);
  linear->set_enabled(false);
  EXPECT_TRUE(torch::equal(linear->forward(x), base));
  linear->set_enabled(true);
  EXPECT_GT(max_diff(linear->forward(x), base), 1e-2);
}

TEST(LoraLinear, MergeThenUnmergeRestoresFp32Weights) {
  auto linear = make_linear(64, 48, false);
  auto before = linear->weight.clone();
  attach_random(linear, 8);
  linear->merge();
  EXPECT_GT(max_diff(linear->weight, before), 1e-2);
  linear->unmerge();
  EXPECT_LT(max_diff(linear->weight, before), kFp32RoundTripTolerance);
}

TEST(LoraLinear, MergeThenUnmergeRestoresBf16WeightsApproximately) {
  auto linear = make_linear(64, 48, false, torch::kBFloat16);
  auto before = linear->weight.to(torch::kFloat32);
  attach_random(linear, 8, torch::kBFloat16);
  auto x = torch::randn({4, 64}).to(torch::kBFloat16);
  auto attached = linear->forward(x);
  EXPECT_EQ(attached.scalar_type(), torch::kBFloat16);
  auto delta = linear->delta_weight();  // fp32 [out, in]
  linear->merge();
  // bf16 products and rounded weights: compare at bf16 resolution of the outputs.
  EXPECT_LT(max_diff(linear->forward(x), attached), 0.1);
  linear->unmerge();
  auto after = linear->weight.to(torch::kFloat32);
  auto bound = kBf16RoundingFraction * ((before + delta).abs() + before.abs());
  EXPECT_TRUE(((after - before).abs() <= bound).all().item<bool>())
      << "worst excess " << ((after - before).abs() - bound).max().item<double>();
  EXPECT_FALSE(torch::equal(after, before)) << "expected the bf16 round trip to be inexact somewhere";
}

TEST(LoraLinear, AdapterDtypeMayDifferFromBase) {
  auto linear = make_linear(16, 12, false, torch::kBFloat16);
  linear->attach(4, 8.0, 0.0, false, torch::kFloat32);
  EXPECT_EQ(linear->lora_A->weight.scalar_type(), torch::kFloat32);
  auto y = linear->forward(torch::randn({2, 16}).to(torch::kBFloat16));
  EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
}

TEST(LoraLinear, DoubleMergeFails) {
  auto linear = make_linear(16, 12, false);
  attach_random(linear, 4);
  linear->merge();
  EXPECT_NE(error_of([&] { linear->merge(); }).find("lora_linear: merge: the adapter is already merged"),
            std::string::npos);
}

TEST(LoraLinear, DetachWhileMergedFails) {
  auto linear = make_linear(16, 12, false);
  attach_random(linear, 4);
  linear->merge();
  EXPECT_NE(error_of([&] { linear->detach(); }).find("cannot detach a merged adapter (unmerge it first)"),
            std::string::npos);
  linear->unmerge();
  linear->detach();
  EXPECT_FALSE(linear->attached());
  EXPECT_EQ(linear->named_parameters().size(), 1u);
}

TEST(LoraLinear, UnmergeWithoutMergeAndMergeWithoutAdapterFail) {
  auto linear = make_linear(16, 12, false);
  EXPECT_NE(error_of([&] { linear->merge(); }).find("no adapter attached"), std::string::npos);
  attach_random(linear, 4);
  EXPECT_NE(error_of([&] { linear->unmerge(); }).find("the adapter is not merged"), std::string::npos);
  EXPECT_NE(error_of([&] { linear->attach(2, 2.0); }).find("an adapter is already attached"), std::string::npos);
}

TEST(LoraLinear, NonFiniteDeltaRefusesToMerge) {
  auto linear = make_linear(16, 12, false);
  attach_random(linear, 4);
  auto before = linear->weight.clone();
  {
    torch::NoGradGuard no_grad;
    linear->lora_B->weight[0][0] = std::numeric_limits<float>::infinity();
  }
  EXPECT_NE(error_of([&] { linear->merge(); }).find("non-finite"), std::string::npos);
  EXPECT_FALSE(linear->merged());
  EXPECT_TRUE(torch::equal(linear->weight, before));
}

TEST(LoraLinear, ShapeMismatchNamesModuleAndBothShapes) {
  auto linear = make_linear(16, 12, false);
  auto message = error_of([&] {
    linear->attach(torch::zeros({4, 16}), torch::zeros({10, 4}), 1.0, 0.0, "model.layers.0.self_attn.q_proj");
  });
  EXPECT_NE(message.find("model.layers.0.self_attn.q_proj: lora_A is [4, 16] and lora_B is [10, 4], expected "
                         "[r, 16] and [12, r] for weight [12, 16]"),
            std::string::npos)
      << message;
  EXPECT_FALSE(linear->attached());
}

TEST(LoraLinear, DropoutOnlyInTraining) {
  auto linear = make_linear(16, 12, false);
  linear->attach(4, 8.0, 0.5);
  {
    torch::NoGradGuard no_grad;
    linear->lora_B->weight.fill_(1.0);
  }
  auto x = torch::randn({8, 16});
  linear->eval();
  auto a = linear->forward(x), b = linear->forward(x);
  EXPECT_TRUE(torch::equal(a, b));
  linear->train();
  EXPECT_FALSE(torch::equal(linear->forward(x), a));
}

}  // namespace
}  // namespace lorag::test
