// SPDX-License-Identifier: Apache-2.0
// AVX2 int8-activation row kernels (model/quant): quant_dot_q8_simd.inc with the u8·s8
// dot product as `pmaddubsw` (pairs into int16) then `pmaddwd` by ones (into int32).
// The int16 pairs cannot saturate: |u| ≤ 128, |s| ≤ 127 and 2·128·127 < 32768.
#include "model/quant/kernels/quant_dot_q8.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "model/formats/gguf_dequant_blocks.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,ssse3")

namespace lorag::model::quant::kernels {
namespace {
struct Ops {
  static __m256i dot(__m256i acc, __m256i u, __m256i s) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
  }
  static __m256i dot16(__m256i acc, __m256i a, __m256i b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
  // ggml's bytes_from_bits_32, masked to 0x10.
  static __m256i bits_0x10(std::uint32_t bits) {
    const __m256i shuffle = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuffle);
    v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_and_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1)), _mm256_set1_epi8(0x10));
  }
};

#include "model/quant/kernels/quant_dot_q8_simd.inc"

// quantize_q8's arithmetic 8 lanes at a time: the same d, and cvtps rounds to
// nearest-even as nearbyint does in the default rounding mode, so the blocks are
// identical to the scalar ones.
void quantize_blocks(const float* x, std::int64_t n, Q8Block* out, int span) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  for (std::int64_t s0 = 0; s0 < n; s0 += span) {
    __m256 amax = _mm256_setzero_ps();
    for (int l = 0; l < span; l += 8) amax = _mm256_max_ps(amax, _mm256_and_ps(_mm256_loadu_ps(x + s0 + l), abs_mask));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float d = _mm_cvtss_f32(m) / 127.0f;
    const __m256 id = _mm256_set1_ps(d > 0.0f ? 1.0f / d : 0.0f);
    for (std::int64_t b = s0 / 32; b < (s0 + span) / 32; ++b) {
      __m256i q[4];
      for (int j = 0; j < 4; ++j) q[j] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 32 * b + 8 * j), id));
      // Σq: lanes of q[0], q[1] (values 0..15) and q[2], q[3] (16..31).
      const __m256i h = _mm256_hadd_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
      alignas(32) std::int32_t hs[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(hs), h);
      const int sum0 = hs[0] + hs[1] + hs[4] + hs[5], sum1 = hs[2] + hs[3] + hs[6] + hs[7];
      // int32 → int8; packs interleave 128-bit lanes, the permutation restores the order.
      const __m256i p16a = _mm256_packs_epi32(q[0], q[1]), p16b = _mm256_packs_epi32(q[2], q[3]);
      const __m256i p8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p16a, p16b),
                                                     _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].q), p8);
      out[b].d = d;
      out[b].s = d * static_cast<float>(sum0 + sum1);
      std::fill(std::begin(out[b].span_sums), std::end(out[b].span_sums), std::int16_t{0});
      out[s0 / 32].span_sums[(b - s0 / 32) % 8] = static_cast<std::int16_t>(sum0 + sum1);
    }
  }
}
}  // namespace
}  // namespace lorag::model::quant::kernels

#pragma GCC pop_options

namespace lorag::model::quant::kernels::detail {
RowDotQ8 row_dot_q8_avx2(formats::GgufType type) {
  for (const auto& k : kQ8Kernels) {
    if (k.type == type) return k.fn;
  }
  return nullptr;
}
RowsDotQ8 rows_dot_q8_avx2(formats::GgufType type) {
  for (const auto& k : kQ8Kernels) {
    if (k.type == type) return k.rows;
  }
  return nullptr;
}
QuantizeQ8 quantize_q8_avx2() { return quantize_blocks; }
}  // namespace lorag::model::quant::kernels::detail

#else
namespace lorag::model::quant::kernels::detail {
RowDotQ8 row_dot_q8_avx2(formats::GgufType) { return nullptr; }
RowsDotQ8 rows_dot_q8_avx2(formats::GgufType) { return nullptr; }
QuantizeQ8 quantize_q8_avx2() { return nullptr; }
}  // namespace lorag::model::quant::kernels::detail
#endif
