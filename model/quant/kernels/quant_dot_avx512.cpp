// SPDX-License-Identifier: Apache-2.0
// AVX-512 (F, BW, VL) row kernels (model/quant): quant_dot_simd.inc compiled for AVX-512 inside a
// `#pragma GCC target` region, so only these functions use AVX-512 and the binary
// stays portable; quant_dot.cpp calls them only when the CPU reports AVX-512.
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
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c,ssse3")

namespace lorag::model::quant::kernels {
namespace {
// Everything in here has internal linkage, so no AVX-512 copy of an inline function
// can be picked by the linker for callers elsewhere.
struct Ops {
  using V = __m512;  // 16 fp32 lanes
  static V zero() { return _mm512_setzero_ps(); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  // acc + q[i]·x[i] over 16 unsigned bytes, lane-wise.
  static V fma16(__m128i q, const float* x, V acc) {
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q)), _mm512_loadu_ps(x), acc);
  }
  static V mul16(__m128i q, const float* x) {
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q)), _mm512_loadu_ps(x));
  }
  // The same for signed bytes.
  static V fma16s(__m128i q, const float* x, V acc) { return fma16w(widen16s(q), x, acc); }
  static V mul16s(__m128i q, const float* x) { return mul16w(widen16s(q), x); }
  // 16 signed bytes widened once, for several x rows (mul16s = mul16w ∘ widen16s).
  using W16 = __m512;
  static W16 widen16s(__m128i q) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)); }
  static V mul16w(W16 w, const float* x) { return _mm512_mul_ps(w, _mm512_loadu_ps(x)); }
  static V fma16w(W16 w, const float* x, V acc) { return _mm512_fmadd_ps(w, _mm512_loadu_ps(x), acc); }
  static V scale_add(V p, float s, V acc) { return _mm512_fmadd_ps(p, _mm512_set1_ps(s), acc); }
  static float reduce(V v) { return _mm512_reduce_add_ps(v); }
};

#include "model/quant/kernels/quant_dot_simd.inc"
}  // namespace
}  // namespace lorag::model::quant::kernels

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace lorag::model::quant::kernels::detail {
// Outside the target region: picking a pointer runs no AVX-512 instruction.
RowDot row_dot_avx512(formats::GgufType type) {
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
RowsDot rows_dot_avx512(formats::GgufType type) {
  return type == formats::GgufType::kQ8_0 ? dot_q8_0_many : nullptr;
}
}  // namespace lorag::model::quant::kernels::detail

#else
namespace lorag::model::quant::kernels::detail {
RowDot row_dot_avx512(formats::GgufType) { return nullptr; }
RowsDot rows_dot_avx512(formats::GgufType) { return nullptr; }
}  // namespace lorag::model::quant::kernels::detail
#endif
