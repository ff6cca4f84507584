// SPDX-License-Identifier: Apache-2.0
// AVX2 + FMA row kernels (model/quant): quant_dot_simd.inc compiled for AVX2 inside a
// `#pragma GCC target` region, so only these functions use AVX2 and the binary
// stays portable; quant_dot.cpp calls them only when the CPU reports AVX2.
#include "model/quant/kernels/quant_dot.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include "model/formats/gguf_dequant_blocks.h"
#include "model/formats/half.h"

#pragma GCC push_options
// GCC 12 flags the `__Y = __Y` placeholders inside its AVX-512 intrinsics when they are
// compiled under a target pragma (GCC bug 105593); they are not real reads.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx2,fma,f16c,ssse3")

namespace lorag::model::quant::kernels {
namespace {
// Everything in here has internal linkage, so no AVX2 copy of an inline function
// can be picked by the linker for callers elsewhere.
struct Ops {
  using V = __m256;  // 8 fp32 lanes; 16 values take two
  static V zero() { return _mm256_setzero_ps(); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V widen_u8(__m128i q) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q)); }
  static V widen_i8(__m128i q) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)); }
  // acc + Σ over 16 unsigned bytes q[i]·x[i], lane-wise.
  static V fma16(__m128i q, const float* x, V acc) {
    acc = _mm256_fmadd_ps(widen_u8(q), _mm256_loadu_ps(x), acc);
    return _mm256_fmadd_ps(widen_u8(_mm_srli_si128(q, 8)), _mm256_loadu_ps(x + 8), acc);
  }
  static V mul16(__m128i q, const float* x) {
    return _mm256_fmadd_ps(widen_u8(_mm_srli_si128(q, 8)), _mm256_loadu_ps(x + 8),
                           _mm256_mul_ps(widen_u8(q), _mm256_loadu_ps(x)));
  }
  // The same for signed bytes.
  static V fma16s(__m128i q, const float* x, V acc) { return fma16w(widen16s(q), x, acc); }
  static V mul16s(__m128i q, const float* x) { return mul16w(widen16s(q), x); }
  // 16 signed bytes widened once, for several x rows (mul16s = mul16w ∘ widen16s).
  struct W16 {
    __m256 lo, hi;
  };
  static W16 widen16s(__m128i q) { return {widen_i8(q), widen_i8(_mm_srli_si128(q, 8))}; }
  static V mul16w(const W16& w, const float* x) {
    return _mm256_fmadd_ps(w.hi, _mm256_loadu_ps(x + 8), _mm256_mul_ps(w.lo, _mm256_loadu_ps(x)));
  }
  static V fma16w(const W16& w, const float* x, V acc) {
    acc = _mm256_fmadd_ps(w.lo, _mm256_loadu_ps(x), acc);
    return _mm256_fmadd_ps(w.hi, _mm256_loadu_ps(x + 8), acc);
  }
  static V scale_add(V p, float s, V acc) { return _mm256_fmadd_ps(p, _mm256_set1_ps(s), acc); }
  static float reduce(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

#include "model/quant/kernels/quant_dot_simd.inc"
}  // namespace
}  // namespace lorag::model::quant::kernels

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace lorag::model::quant::kernels::detail {
// Outside the target region: picking a pointer runs no AVX2 instruction.
RowDot row_dot_avx2(formats::GgufType type) {
  switch (type) {
    case formats::GgufType::kQ4_0: return dot_q4_0;
    case formats::GgufType::kQ4_1: return dot_q4_1;
    case formats::GgufType::kQ5_0: return dot_q5_0;
    case formats::GgufType::kQ5_1: return dot_q5_1;
    case formats::GgufType::kQ8_0: return dot_q8_0;
    case formats::GgufType::kQ4_K: return dot_q4_k;
    case formats::GgufType::kQ5_K: return dot_q5_k;
    case formats::GgufType::kQ6_K: return dot_q6_k;
    default: return nullptr;
  }
}
RowsDot rows_dot_avx2(formats::GgufType type) {
  return type == formats::GgufType::kQ8_0 ? dot_q8_0_many : nullptr;
}
}  // namespace lorag::model::quant::kernels::detail

#else
namespace lorag::model::quant::kernels::detail {
RowDot row_dot_avx2(formats::GgufType) { return nullptr; }
RowsDot rows_dot_avx2(formats::GgufType) { return nullptr; }
}  // namespace lorag::model::quant::kernels::detail
#endif
