// SPDX-License-Identifier: Apache-2.0
// The fused CPU decode loops (model/nn/decode_attention_cpu.h, act_mul_cpu.h) against
// the LibTorch operators they replace: SDPA with enable_gqa, torch.silu / gelu(tanh).
#include "model/nn/decode_attention_cpu.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/nn/act_mul_cpu.h"
#include "model/nn/fused_decode.h"

namespace lorag::model::nn {
namespace {

// fp32: summation order and a 2-ulp exp only (scores of a few units, D = 64).
constexpr double kFp32Tolerance = 1e-5;
// bf16: both compute in fp32 from the same bf16 inputs and round once; a value next
// to a rounding boundary may land one bf16 step (2^-8 relative) away.
constexpr double kBf16RelTolerance = 1.0 / 128;

torch::Tensor sdpa(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& mask,
                   double scale) {
  auto m = mask.defined() ? std::optional<at::Tensor>(mask) : std::nullopt;
  auto out = at::scaled_dot_product_attention(q.to(torch::kFloat32), k.to(torch::kFloat32), v.to(torch::kFloat32), m,
                                              0.0, false, scale, q.size(1) != k.size(1));  // [B, H, 1, D]
  return out.transpose(1, 2).reshape({q.size(0), 1, -1});                              // [B, 1, H*D]
}

// k/v as the cache hands them out: the first L of `capacity` positions, so the
// head stride is capacity·D rather than L·D.
std::pair<torch::Tensor, torch::Tensor> cache_views(int64_t B, int64_t Hkv, int64_t L, int64_t D) {
  const int64_t capacity = L + 7;
  auto k = torch::randn({B, Hkv, capacity, D}) * 2;
  auto v = torch::randn({B, Hkv, capacity, D});
  return {k.narrow(2, 0, L), v.narrow(2, 0, L)};
}

TEST(DecodeAttentionCpu, MatchesSdpaWithGqaOverCacheViewsInFp32AndBf16) {
  torch::manual_seed(3);
  struct Case { int64_t B, H, Hkv, L, D; };
  for (const auto c : {Case{1, 9, 3, 1, 64}, Case{1, 9, 3, 150, 64}, Case{2, 4, 4, 37, 16}, Case{3, 8, 2, 70, 40}}) {
    // q [B, H, 1, D] as the attention modules make it: a transposed view.
    auto q = torch::randn({c.B, 1, c.H, c.D}).transpose(1, 2);
    auto [k, v] = cache_views(c.B, c.Hkv, c.L, c.D);
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.D));
    auto got = decode_attention_cpu(q, k, v, {}, scale);
    ASSERT_TRUE(got.defined()) << c.L;
    EXPECT_LT((got - sdpa(q, k, v, {}, scale)).abs().max().item<double>(), kFp32Tolerance) << c.L;
    auto qb = q.to(torch::kBFloat16), kb = k.to(torch::kBFloat16), vb = v.to(torch::kBFloat16);
    auto gotb = decode_attention_cpu(qb, kb, vb, {}, scale);
    ASSERT_TRUE(gotb.defined());
    EXPECT_EQ(gotb.scalar_type(), torch::kBFloat16);
    auto want = sdpa(qb, kb, vb, {}, scale);
    const double rel = ((gotb.to(torch::kFloat32) - want).abs() / want.abs().clamp_min(1e-2)).max().item<double>();
    EXPECT_LE(rel, kBf16RelTolerance) << c.L;
  }
}

TEST(DecodeAttentionCpu, HonoursAPerRowKeyMask) {
  torch::manual_seed(4);
  const int64_t B = 3, H = 6, Hkv = 2, L = 20, D = 32;
  auto q = torch::randn({B, H, 1, D});
  auto [k, v] = cache_views(B, Hkv, L, D);
  // Row b may see its first 5 + 6b keys (the engine's per-row lengths).
  auto lengths = torch::tensor({5, 11, 17}).view({B, 1, 1, 1});
  auto mask = torch::arange(L).view({1, 1, 1, L}) < lengths;  // [B, 1, 1, L]
  auto got = decode_attention_cpu(q, k, v, mask, 0.2);
  ASSERT_TRUE(got.defined());
  EXPECT_LT((got - sdpa(q, k, v, mask, 0.2)).abs().max().item<double>(), kFp32Tolerance);
  // The mask matters: without it the answer differs.
  EXPECT_GT((got - sdpa(q, k, v, {}, 0.2)).abs().max().item<double>(), 1e-2);
}

TEST(DecodeAttentionCpu, LeavesOtherShapesAndAutogradToSdpa) {
  auto q = torch::randn({1, 4, 2, 8});  // two query rows: prefill
  auto k = torch::randn({1, 4, 5, 8}), v = torch::randn({1, 4, 5, 8});
  EXPECT_FALSE(decode_attention_cpu(q, k, v, {}, 1.0).defined());
  auto q1 = torch::randn({1, 4, 1, 8});
  EXPECT_FALSE(decode_attention_cpu(q1.to(torch::kHalf), k.to(torch::kHalf), v.to(torch::kHalf), {}, 1.0).defined());
  EXPECT_FALSE(decode_attention_cpu(q1.clone().requires_grad_(), k, v, {}, 1.0).defined());
  EXPECT_FALSE(decode_attention_cpu(q1, k, v, torch::zeros({1, 1, 1, 5}), 1.0).defined()) << "additive masks";
  {
    ScopedUnfusedDecode unfused;
    EXPECT_FALSE(decode_attention_cpu(q1, k, v, {}, 1.0).defined());
  }
  EXPECT_TRUE(decode_attention_cpu(q1, k, v, {}, 1.0).defined());
}

torch::Tensor aten_act_mul(const torch::Tensor& gate, const torch::Tensor& up, Activation activation) {
  return activate(gate, activation) * up;
}

TEST(ActMulCpu, MatchesTheAtenFormInFp32AndBf16) {
  torch::manual_seed(5);
  for (auto activation : {Activation::kSilu, Activation::kGeluTanh}) {
    for (int64_t rows : {int64_t{1}, int64_t{3}, kActMulCpuMaxRows}) {
      // Gate values out to ±30 cover SiLU's saturated tails.
      auto gate = torch::randn({rows, 1, 1536}) * 6, up = torch::randn({rows, 1, 1536});
      gate.view({-1})[0] = 30.0;
      gate.view({-1})[1] = -30.0;
      auto got = act_mul_cpu(gate, up, activation);
      ASSERT_TRUE(got.defined());
      EXPECT_LT((got - aten_act_mul(gate, up, activation)).abs().max().item<double>(), kFp32Tolerance * 10) << rows;
      auto gb = gate.to(torch::kBFloat16), ub = up.to(torch::kBFloat16);
      auto gotb = act_mul_cpu(gb, ub, activation);
      ASSERT_TRUE(gotb.defined());
      auto want = aten_act_mul(gb, ub, activation);
      auto diff = (gotb.to(torch::kFloat32) - want.to(torch::kFloat32)).abs() /
                  want.to(torch::kFloat32).abs().clamp_min(1e-2);
      EXPECT_LE(diff.max().item<double>(), kBf16RelTolerance) << rows;
      EXPECT_GT(torch::eq(gotb, want).to(torch::kFloat32).mean().item<double>(), 0.99) << rows;
    }
  }
}

TEST(ActMulCpu, TakesPhi3sChunkedGateUpAtOneTokenAndLeavesAutogradToAten) {
  auto gate_up = torch::randn({1, 1, 64}).chunk(2, -1);  // strided views of one row
  auto got = act_mul_cpu(gate_up[0], gate_up[1], Activation::kSilu);
  ASSERT_TRUE(got.defined());
  EXPECT_LT((got - aten_act_mul(gate_up[0], gate_up[1], Activation::kSilu)).abs().max().item<double>(), 1e-5);
  auto many = torch::randn({2, 3, 64}).chunk(2, -1);  // several strided rows: ATen
  EXPECT_FALSE(act_mul_cpu(many[0], many[1], Activation::kSilu).defined());
  auto g = torch::randn({1, 8}).requires_grad_();
  EXPECT_FALSE(act_mul_cpu(g, torch::randn({1, 8}), Activation::kSilu).defined());
  EXPECT_FALSE(act_mul_cpu(torch::randn({kActMulCpuMaxRows + 1, 8}), torch::randn({kActMulCpuMaxRows + 1, 8}),
                           Activation::kSilu)
                   .defined());
}

}  // namespace
}  // namespace lorag::model::nn
