// SPDX-License-Identifier: Apache-2.0
// VNNI int8-activation row kernels (model/quant): quant_dot_q8_simd.inc with the u8·s8
// dot product as one `vpdpbusd` on 256-bit registers, compiled twice: AVX-512 VNNI
// (with AVX-512VL, and BW's byte masks for the fifth bits) and AVX-VNNI (the VEX
// encoding of Alder Lake and later, AVX2 otherwise).
#include "model/quant/kernels/quant_dot_q8.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "model/formats/gguf_dequant_blocks.h"

#pragma GCC push_options
// GCC 12 flags the `__Y = __Y` placeholders inside its AVX-512 intrinsics when they are
// compiled under a target pragma (GCC bug 105593); they are not real reads.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c,ssse3")

namespace lorag::model::quant::kernels {
namespace {
namespace avx512_vnni {
struct Ops {
  static __m256i dot(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_epi32(acc, u, s); }
  static __m256i dot16(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_epi32(acc, a, b); }
  static __m256i bits_0x10(std::uint32_t bits) { return _mm256_maskz_mov_epi8(bits, _mm256_set1_epi8(0x10)); }
};
#include "model/quant/kernels/quant_dot_q8_simd.inc"
}  // namespace avx512_vnni
}  // namespace
}  // namespace lorag::model::quant::kernels

#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avxvnni,avx2,fma,f16c,ssse3")

namespace lorag::model::quant::kernels {
namespace {
namespace avx_vnni {
struct Ops {
  static __m256i dot(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_avx_epi32(acc, u, s); }
  static __m256i dot16(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_avx_epi32(acc, a, b); }
  // ggml's bytes_from_bits_32, masked to 0x10.
  static __m256i bits_0x10(std::uint32_t bits) {
    const __m256i shuffle = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuffle);
    v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_and_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1)), _mm256_set1_epi8(0x10));
  }
};
#include "model/quant/kernels/quant_dot_q8_simd.inc"
}  // namespace avx_vnni
}  // namespace
}  // namespace lorag::model::quant::kernels

#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace lorag::model::quant::kernels::detail {
namespace {
template <typename Table>
const auto* find(const Table& table, formats::GgufType type) {
  for (const auto& k : table) {
    if (k.type == type) return &k;
  }
  return static_cast<decltype(&table[0])>(nullptr);
}
}  // namespace
RowDotQ8 row_dot_q8_avx512_vnni(formats::GgufType type) {
  const auto* k = find(avx512_vnni::kQ8Kernels, type);
  return k ? k->fn : nullptr;
}
RowDotQ8 row_dot_q8_avx_vnni(formats::GgufType type) {
  const auto* k = find(avx_vnni::kQ8Kernels, type);
  return k ? k->fn : nullptr;
}
RowsDotQ8 rows_dot_q8_avx512_vnni(formats::GgufType type) {
  const auto* k = find(avx512_vnni::kQ8Kernels, type);
  return k ? k->rows : nullptr;
}
RowsDotQ8 rows_dot_q8_avx_vnni(formats::GgufType type) {
  const auto* k = find(avx_vnni::kQ8Kernels, type);
  return k ? k->rows : nullptr;
}
}  // namespace lorag::model::quant::kernels::detail

#else
namespace lorag::model::quant::kernels::detail {
RowDotQ8 row_dot_q8_avx512_vnni(formats::GgufType) { return nullptr; }
RowDotQ8 row_dot_q8_avx_vnni(formats::GgufType) { return nullptr; }
RowsDotQ8 rows_dot_q8_avx512_vnni(formats::GgufType) { return nullptr; }
RowsDotQ8 rows_dot_q8_avx_vnni(formats::GgufType) { return nullptr; }
}  // namespace lorag::model::quant::kernels::detail
#endif
