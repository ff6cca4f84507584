// SPDX-License-Identifier: Apache-2.0
#include "model/nn/decode_attention_cpu.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "model/nn/fast_exp.h"
#include "model/nn/fused_decode.h"

// The 16-float vectors below stay inside this file's inlined helpers, so the ABI
// note GCC gives for passing them without AVX-512 does not concern any caller.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace lorag::model::nn {
namespace {

inline float to_fp32(float x) { return x; }
// bf16 is fp32's upper half: a shift the compiler vectorizes (c10's conversion is not).
inline float to_fp32(c10::BFloat16 x) { return std::bit_cast<float>(static_cast<std::uint32_t>(x.x) << 16); }

// 16 floats as one GCC vector: one zmm in the AVX-512 clone below, two ymm in the
// AVX2 one, four xmm in the baseline one. Plain loops with 16 partial sums were
// scalarized by GCC (shuffles per element), so the widths are spelled out here.
typedef float F32x16 __attribute__((vector_size(64)));
typedef std::uint32_t U32x16 __attribute__((vector_size(64)));
typedef std::uint16_t U16x16 __attribute__((vector_size(32)));
typedef float F32x8 __attribute__((vector_size(32)));
typedef float F32x4 __attribute__((vector_size(16)));

[[gnu::always_inline]] inline F32x16 load16(const float* p) {
  F32x16 r;
  std::memcpy(&r, p, sizeof(r));
  return r;
}
[[gnu::always_inline]] inline F32x16 load16(const c10::BFloat16* p) {
  U16x16 half;
  std::memcpy(&half, p, sizeof(half));
  const U32x16 wide = __builtin_convertvector(half, U32x16) << 16;  // bf16 is fp32's upper half
  F32x16 r;
  std::memcpy(&r, &wide, sizeof(r));
  return r;
}

[[gnu::always_inline]] inline float sum16(F32x16 v) {
  const F32x8 h = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                  __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const F32x4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
  return (q[0] + q[2]) + (q[1] + q[3]);
}

// q·k over D.
template <typename T>
[[gnu::always_inline]] inline float dot(const float* q, const T* k, int64_t d) {
  F32x16 acc = {};
  int64_t i = 0;
  for (; i + 16 <= d; i += 16) acc += load16(q + i) * load16(k + i);
  float sum = sum16(acc);
  for (; i < d; ++i) sum += q[i] * to_fp32(k[i]);
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
  // Exponentials in one loop and their sum in another, so both vectorize.
  if (!allowed) {
    for (int64_t l = 0; l < L; ++l) scores[l] = fast_exp(scores[l] - top);
  } else {
    for (int64_t l = 0; l < L; ++l) scores[l] = allowed[l * allowed_stride] ? fast_exp(scores[l] - top) : 0.0f;
  }
  F32x16 partial = {};
  int64_t l16 = 0;
  for (; l16 + 16 <= L; l16 += 16) partial += load16(scores + l16);
  float total = sum16(partial);
  for (; l16 < L; ++l16) total += scores[l16];
  const float inv = total > 0.0f ? 1.0f / total : 0.0f;
  // out = Σ_l p_l·v_l, 16 dimensions at a time so their sums stay in a register across
  // the keys. Masked keys (p = 0) are skipped: their stale values never count.
  int64_t i0 = 0;
  for (; i0 + 16 <= D; i0 += 16) {
    F32x16 acc = {};
    if (allowed) {
      for (int64_t l = 0; l < L; ++l) {
        if (scores[l] != 0.0f) acc += scores[l] * load16(v + l * v_stride + i0);
      }
    } else {
      // Four keys per step into four sums: one sum would wait on the previous key's
      // multiply-add (4 cycles) at every key.
      F32x16 acc1 = {}, acc2 = {}, acc3 = {};
      int64_t l = 0;
      for (; l + 4 <= L; l += 4) {
        const T* vl = v + l * v_stride + i0;
        acc += scores[l] * load16(vl);
        acc1 += scores[l + 1] * load16(vl + v_stride);
        acc2 += scores[l + 2] * load16(vl + 2 * v_stride);
        acc3 += scores[l + 3] * load16(vl + 3 * v_stride);
      }
      for (; l < L; ++l) acc += scores[l] * load16(v + l * v_stride + i0);
      acc += (acc1 + acc2) + acc3;
    }
    acc *= inv;
    std::memcpy(out + i0, &acc, sizeof(acc));
  }
  for (; i0 < D; ++i0) {
    float acc = 0.0f;
    for (int64_t l = 0; l < L; ++l) {
      if (scores[l] != 0.0f) acc += scores[l] * to_fp32(v[l * v_stride + i0]);
    }
    out[i0] = acc * inv;
  }
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
