// SPDX-License-Identifier: Apache-2.0
// AVX2 dequantizers for the block types whose scalar loops the compiler does not
// vectorize, or only with SSE2 (model/formats): q4_0, q4_1, q5_0, q5_1, q8_0, q4_K and q6_K, the tiles that
// prefill dequantizes before its matmul. Bit for bit the scalar code's values: the
// same products in the same order, each rounded once (no FMA: the target below
// leaves it out, so `x·d + m` cannot be contracted), and the fp16 scales converted
// by the same function. Chosen at run time by `dequantize_row`.
#include "model/formats/gguf_dequant_blocks.h"
#include "model/formats/half.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2")

namespace lorag::model::formats::detail {
namespace {

// 16 bytes of packed nibbles → 32 bytes: the low nibbles (elements 0..15), then the high ones.
inline __m256i nibbles32(const std::uint8_t* qs) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0F));
}

// Byte i is 0x10 when bit i of `bits` is set (ggml's bytes_from_bits_32, masked).
inline __m256i bits_0x10(std::uint32_t bits) {
  const __m256i shuffle = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
  __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuffle);
  v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
  return _mm256_and_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1)), _mm256_set1_epi8(0x10));
}

// Bytes 8c..8c+8 of `u` (unsigned) minus `offset`, as 8 floats.
inline __m256 chunk_ps(__m256i u, int c, int offset) {
  const __m128i half = c < 2 ? _mm256_castsi256_si128(u) : _mm256_extracti128_si256(u, 1);
  const __m128i bytes = (c & 1) ? _mm_srli_si128(half, 8) : half;
  return _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(bytes), _mm256_set1_epi32(offset)));
}

// dst[0..32) = (u - kOffset)·d (+ m when kHasMin), as the scalar loops compute it.
template <int kOffset, bool kHasMin>
inline void store_block(__m256i u, float d, float m, float* dst) {
  const __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
  for (int c = 0; c < 4; ++c) {
    __m256 v = _mm256_mul_ps(chunk_ps(u, c, kOffset), vd);
    if constexpr (kHasMin) v = _mm256_add_ps(v, vm);
    _mm256_storeu_ps(dst + 8 * c, v);
  }
}

// kBlockBytes, and the byte offsets of m (-1: none), the fifth bits (-1: none) and the nibbles.
template <int kBlockBytes, int kOffset, int kMOffset, int kQhOffset, int kQsOffset>
void dequant_legacy(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += kBlockBytes, dst += 32) {
    const float d = fp16_to_fp32(load_u16(src));
    const float m = kMOffset >= 0 ? fp16_to_fp32(load_u16(src + kMOffset)) : 0.0f;
    __m256i u = nibbles32(src + kQsOffset);
    if constexpr (kQhOffset >= 0) u = _mm256_or_si256(u, bits_0x10(load_u32(src + kQhOffset)));
    store_block<kOffset, (kMOffset >= 0)>(u, d, m, dst);
  }
}

void q8_0(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 34, dst += 32) {
    const __m256 vd = _mm256_set1_ps(fp16_to_fp32(load_u16(src)));
    for (int c = 0; c < 4; ++c) {
      const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + 2 + 8 * c));
      _mm256_storeu_ps(dst + 8 * c, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes)), vd));
    }
  }
}

// block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128]; }: in each 64
// values i, dst[64i + l] = (d·sc_2i)·(qs[32i + l] & 15) - dmin·m_2i and dst[64i + 32 + l]
// the high nibble with sc_2i+1, m_2i+1. GCC left the scalar loop at 16 bytes a step.
void q4_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 144) {
    const float d = fp16_to_fp32(load_u16(src)), dmin = fp16_to_fp32(load_u16(src + 2));
    for (int i = 0; i < 4; ++i, dst += 64) {
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 16 + 32 * i));
      const __m256i u[2] = {_mm256_and_si256(q, low4), _mm256_and_si256(_mm256_srli_epi16(q, 4), low4)};
      for (int h = 0; h < 2; ++h) {
        std::uint8_t sc, m;
        get_scale_min_k4(2 * i + h, src + 4, sc, m);
        const __m256 vd = _mm256_set1_ps(d * static_cast<float>(sc)), vm = _mm256_set1_ps(dmin * static_cast<float>(m));
        for (int c = 0; c < 4; ++c) {
          _mm256_storeu_ps(dst + 32 * h + 8 * c, _mm256_sub_ps(_mm256_mul_ps(vd, chunk_ps(u[h], c, 0)), vm));
        }
      }
    }
  }
}

// block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }: in each half
// n, dst[32j + l] takes ql[64n + 32·(j&1) + l]'s low (j < 2) or high nibble and bits
// 2j, 2j+1 of qh[32n + l], scaled by (d·sc[8n + 2j + l/16])·(u - 32).
void q6_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  const __m256i low4 = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3);
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 210) {
    const auto* sc = reinterpret_cast<const std::int8_t*>(src + 192);
    const float d = fp16_to_fp32(load_u16(src + 208));
    for (int n = 0; n < 2; ++n, dst += 128, sc += 8) {
      const auto* p = src + 64 * n;
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 128 + 32 * n));
      const __m256i u[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_slli_epi16(_mm256_and_si256(qh, three), 4)),
          _mm256_or_si256(_mm256_and_si256(ql1, low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), three), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), three), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), three), 4)),
      };
      for (int j = 0; j < 4; ++j) {
        const __m256 s0 = _mm256_set1_ps(d * static_cast<float>(sc[2 * j]));
        const __m256 s1 = _mm256_set1_ps(d * static_cast<float>(sc[2 * j + 1]));
        for (int c = 0; c < 4; ++c) _mm256_storeu_ps(dst + 32 * j + 8 * c, _mm256_mul_ps(c < 2 ? s0 : s1, chunk_ps(u[j], c, 32)));
      }
    }
  }
}

}  // namespace
}  // namespace lorag::model::formats::detail

#pragma GCC pop_options

// Outside the target region: nothing here runs an AVX2 instruction before the check.
namespace lorag::model::formats::detail {
BlockDequantFn simd_block_dequant(GgufType type) {
  static const bool has_avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  if (!has_avx2) return nullptr;
  switch (type) {
    case GgufType::kQ4_0: return dequant_legacy<18, 8, -1, -1, 2>;
    case GgufType::kQ4_1: return dequant_legacy<20, 0, 2, -1, 4>;
    case GgufType::kQ5_0: return dequant_legacy<22, 16, -1, 2, 6>;
    case GgufType::kQ5_1: return dequant_legacy<24, 0, 2, 4, 8>;
    case GgufType::kQ8_0: return q8_0;
    case GgufType::kQ4_K: return q4_k;
    case GgufType::kQ6_K: return q6_k;
    default: return nullptr;
  }
}

}  // namespace lorag::model::formats::detail

#else
namespace lorag::model::formats::detail {
BlockDequantFn simd_block_dequant(GgufType) { return nullptr; }
}  // namespace lorag::model::formats::detail
#endif
