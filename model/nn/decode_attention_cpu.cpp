// SPDX-License-Identifier: Apache-2.0
#include "model/nn/decode_attention_cpu.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "model/nn/fast_exp.h"
#include "model/nn/fused_decode.h"

namespace lorag::model::nn {
namespace {

inline float to_fp32(float x) { return x; }
// bf16 is fp32's upper half: a shift the compiler vectorizes (c10's conversion is not).
inline float to_fp32(c10::BFloat16 x) { return std::bit_cast<float>(static_cast<std::uint32_t>(x.x) << 16); }

// q·k over D in 16 partial sums: the compiler vectorizes that without reassociating.
template <typename T>
[[gnu::always_inline]] inline float dot(const float* q, const T* k, int64_t d) {
  float acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= d; i += 16) {
    for (int j = 0; j < 16; ++j) acc[j] += q[i + j] * to_fp32(k[i + j]);
  }
  for (; i < d; ++i) acc[0] += q[i] * to_fp32(k[i]);
  float sum = 0.0f;
  for (float a : acc) sum += a;
  return sum;
}

// One query row against L keys; `allowed` null means every key, else a byte per key
// at `allowed_stride`. `scores` holds L floats of scratch; `out` gets D floats.
template <typename T>
[[gnu::always_inline]] inline void attend(const float* q, const T* k, int64_t k_stride, const T* v, int64_t v_stride,
                                          const bool* allowed, int64_t allowed_stride, int64_t L, int64_t D,
                                          float scale, float* scores, float* out) {
  float top = -std::numeric_limits<float>::infinity();
  for (int64_t l = 0; l < L; ++l) {
    if (allowed && !allowed[l * allowed_stride]) continue;
    scores[l] = scale * dot(q, k + l * k_stride, D);
    top = std::max(top, scores[l]);
  }
  float total = 0.0f;
  for (int64_t l = 0; l < L; ++l) {
    const bool keep = !allowed || allowed[l * allowed_stride];
    scores[l] = keep ? fast_exp(scores[l] - top) : 0.0f;
    total += scores[l];
  }
  std::fill(out, out + D, 0.0f);
  for (int64_t l = 0; l < L; ++l) {
    const float p = scores[l];
    if (p == 0.0f) continue;
    const T* vl = v + l * v_stride;
    for (int64_t i = 0; i < D; ++i) out[i] += p * to_fp32(vl[i]);
  }
  const float inv = total > 0.0f ? 1.0f / total : 0.0f;
  for (int64_t i = 0; i < D; ++i) out[i] *= inv;
}

// The same body compiled for AVX-512, AVX2 and baseline x86-64, picked when the
// program loads (GCC's target_clones): LibTorch's own kernels are dispatched so too.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LORAG_ATTEND_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LORAG_ATTEND_CLONES
#endif

LORAG_ATTEND_CLONES void attend_fp32(const float* q, const float* k, int64_t k_stride, const float* v,
                                     int64_t v_stride, const bool* allowed, int64_t allowed_stride, int64_t L,
                                     int64_t D, float scale, float* scores, float* out) {
  attend(q, k, k_stride, v, v_stride, allowed, allowed_stride, L, D, scale, scores, out);
}

LORAG_ATTEND_CLONES void attend_bf16(const float* q, const c10::BFloat16* k, int64_t k_stride, const c10::BFloat16* v,
                                     int64_t v_stride, const bool* allowed, int64_t allowed_stride, int64_t L,
                                     int64_t D, float scale, float* scores, float* out) {
  attend(q, k, k_stride, v, v_stride, allowed, allowed_stride, L, D, scale, scores, out);
}

inline void attend_any(const float* q, const float* k, int64_t ks, const float* v, int64_t vs, const bool* a,
                       int64_t as, int64_t L, int64_t D, float scale, float* s, float* o) {
  attend_fp32(q, k, ks, v, vs, a, as, L, D, scale, s, o);
}
inline void attend_any(const float* q, const c10::BFloat16* k, int64_t ks, const c10::BFloat16* v, int64_t vs,
                       const bool* a, int64_t as, int64_t L, int64_t D, float scale, float* s, float* o) {
  attend_bf16(q, k, ks, v, vs, a, as, L, D, scale, s, o);
}

template <typename T>
void run(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& mask,
         float scale, torch::Tensor& out) {
  const int64_t B = q.size(0), H = q.size(1), D = q.size(3), Hkv = k.size(1), L = k.size(2);
  const int64_t group = H / Hkv;
  const T* qd = q.data_ptr<T>();
  const T* kd = k.data_ptr<T>();
  const T* vd = v.data_ptr<T>();
  const bool* md = mask.defined() ? mask.data_ptr<bool>() : nullptr;
  const int64_t mask_b = md && mask.size(0) > 1 ? mask.stride(0) : 0;
  const int64_t mask_l = md ? mask.stride(3) : 0;
  T* od = out.data_ptr<T>();
  // About 32k multiply-adds per task, so short caches stay on one thread.
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, 2 * L * D));
  at::parallel_for(0, B * H, grain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> scratch;
    scratch.resize(static_cast<std::size_t>(L + 2 * D));
    float* scores = scratch.data();
    float* qf = scores + L;
    float* of = qf + D;
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / H, h = row % H, g = h / group;
      const T* qr = qd + b * q.stride(0) + h * q.stride(1);
      for (int64_t i = 0; i < D; ++i) qf[i] = to_fp32(qr[i]);
      attend_any(qf, kd + b * k.stride(0) + g * k.stride(1), k.stride(2), vd + b * v.stride(0) + g * v.stride(1),
                 v.stride(2), md ? md + b * mask_b : nullptr, mask_l, L, D, scale, scores, of);
      T* orow = od + b * H * D + h * D;
      for (int64_t i = 0; i < D; ++i) orow[i] = static_cast<T>(of[i]);
    }
  });
}

bool mask_fits(const torch::Tensor& mask, int64_t B, int64_t L) {
  if (!mask.defined()) return true;
  return mask.device().is_cpu() && mask.scalar_type() == torch::kBool && mask.dim() == 4 &&
         (mask.size(0) == 1 || mask.size(0) == B) && mask.size(1) == 1 && mask.size(2) == 1 && mask.size(3) == L;
}

}  // namespace

torch::Tensor decode_attention_cpu(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                   const torch::Tensor& mask, double scale) {
  if (!fused_decode_enabled() || !q.device().is_cpu() || !k.device().is_cpu() || !v.device().is_cpu()) return {};
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || q.size(2) != 1) return {};
  if (torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad())) return {};
  const auto dtype = q.scalar_type();
  if ((dtype != torch::kFloat32 && dtype != torch::kBFloat16) || k.scalar_type() != dtype ||
      v.scalar_type() != dtype) {
    return {};
  }
  const int64_t B = q.size(0), H = q.size(1), D = q.size(3), Hkv = k.size(1), L = k.size(2);
  if (k.size(0) != B || v.size(0) != B || v.size(1) != Hkv || v.size(2) != L || k.size(3) != D || v.size(3) != D) {
    return {};
  }
  if (Hkv == 0 || H % Hkv != 0 || L == 0 || q.stride(3) != 1 || k.stride(3) != 1 || v.stride(3) != 1) return {};
  if (!mask_fits(mask, B, L)) return {};
  auto out = torch::empty({B, 1, H * D}, q.options());  // [B, 1, H*D]
  if (dtype == torch::kFloat32) {
    run<float>(q, k, v, mask, static_cast<float>(scale), out);
  } else {
    run<c10::BFloat16>(q, k, v, mask, static_cast<float>(scale), out);
  }
  return out;
}

}  // namespace lorag::model::nn
