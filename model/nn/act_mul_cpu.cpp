// SPDX-License-Identifier: Apache-2.0
#include "model/nn/act_mul_cpu.h"

#include <torch/torch.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "model/nn/fast_exp.h"
#include "model/nn/fused_decode.h"

namespace lorag::model::nn {
namespace {

inline float to_fp32(float x) { return x; }
inline float to_fp32(c10::BFloat16 x) { return std::bit_cast<float>(static_cast<std::uint32_t>(x.x) << 16); }

// Rounds to nearest even as c10's conversion does, written so the loop vectorizes.
inline float round_to(float x, float) { return x; }
inline float round_to(float x, c10::BFloat16) { return static_cast<float>(static_cast<c10::BFloat16>(x)); }

template <typename T>
[[gnu::always_inline]] inline void silu_mul(const T* g, const T* u, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float x = to_fp32(g[i]);
    const float act = round_to(x / (1.0f + fast_exp(-x)), T{});  // torch.silu, rounded to T
    y[i] = static_cast<T>(act * to_fp32(u[i]));
  }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LORAG_ACT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LORAG_ACT_CLONES
#endif

LORAG_ACT_CLONES void silu_mul_fp32(const float* g, const float* u, float* y, int64_t n) { silu_mul(g, u, y, n); }
LORAG_ACT_CLONES void silu_mul_bf16(const c10::BFloat16* g, const c10::BFloat16* u, c10::BFloat16* y, int64_t n) {
  silu_mul(g, u, y, n);
}

// gelu_pytorch_tanh (Gemma): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as ATen's
// tanh GELU; not on SmolLM2's path, so std::tanh as it is.
template <typename T>
void gelu_tanh_mul(const T* g, const T* u, T* y, int64_t n) {
  constexpr float kBeta = 0.7978845608028654f;  // √(2/π)
  for (int64_t i = 0; i < n; ++i) {
    const float x = to_fp32(g[i]);
    const float act = round_to(0.5f * x * (1.0f + std::tanh(kBeta * (x + 0.044715f * x * x * x))), T{});
    y[i] = static_cast<T>(act * to_fp32(u[i]));
  }
}

// gate/up as [N, I] with unit inner stride, N ≤ the limit; -1 when not.
int64_t row_count(const torch::Tensor& t) {
  if (t.dim() == 0 || t.numel() == 0 || t.stride(-1) != 1) return -1;
  const int64_t n = t.numel() / t.size(-1);
  if (n > kActMulCpuMaxRows) return -1;
  // One row needs no row stride; several must be contiguous (Phi-3's chunked gate_up
  // is only at one token).
  return n == 1 || t.is_contiguous() ? n : -1;
}

}  // namespace

torch::Tensor act_mul_cpu(const torch::Tensor& gate, const torch::Tensor& up, Activation activation) {
  if (!fused_decode_enabled() || !gate.device().is_cpu() || !up.device().is_cpu()) return {};
  if (torch::GradMode::is_enabled() && (gate.requires_grad() || up.requires_grad())) return {};
  const auto dtype = gate.scalar_type();
  if ((dtype != torch::kFloat32 && dtype != torch::kBFloat16) || up.scalar_type() != dtype) return {};
  if (gate.sizes() != up.sizes()) return {};
  const int64_t n = row_count(gate);
  if (n < 0 || row_count(up) != n) return {};
  const int64_t cols = gate.size(-1);
  auto y = torch::empty(gate.sizes(), gate.options());  // [..., I]
  for (int64_t r = 0; r < n; ++r) {
    const int64_t off = r * cols;  // contiguous rows, or one row
    if (dtype == torch::kFloat32) {
      const float *g = gate.data_ptr<float>() + off, *u = up.data_ptr<float>() + off;
      float* out = y.data_ptr<float>() + off;
      activation == Activation::kSilu ? silu_mul_fp32(g, u, out, cols) : gelu_tanh_mul(g, u, out, cols);
    } else {
      const auto *g = gate.data_ptr<c10::BFloat16>() + off, *u = up.data_ptr<c10::BFloat16>() + off;
      auto* out = y.data_ptr<c10::BFloat16>() + off;
      activation == Activation::kSilu ? silu_mul_bf16(g, u, out, cols) : gelu_tanh_mul(g, u, out, cols);
    }
  }
  return y;
}

}  // namespace lorag::model::nn
