// SPDX-License-Identifier: Apache-2.0
// Per-type block dequantizers behind `dequantize_row` (model/formats, internal).
// Each converts `n_blocks` whole blocks from `src` into `dst`; no checks.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "model/formats/gguf_type.h"

namespace lorag::model::formats::detail {

// Little-endian loads from possibly unaligned block bytes. On little-endian
// hosts a memcpy, which compilers turn into one (vectorizable) load.
inline std::uint16_t load_u16(const std::uint8_t* p) {
  if constexpr (std::endian::native == std::endian::little) {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  } else {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
  }
}
inline std::uint32_t load_u32(const std::uint8_t* p) {
  if constexpr (std::endian::native == std::endian::little) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  } else {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
  }
}

// ggml's `get_scale_min_k4`: 8 pairs of 6-bit (scale, min) packed into 12 bytes
// (q4_K and q5_K blocks); the quantizer reads back what it packed with it too.
inline void get_scale_min_k4(int j, const std::uint8_t* q, std::uint8_t& d, std::uint8_t& m) {
  if (j < 4) {
    d = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    d = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    m = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

using BlockDequantFn = void (*)(const std::uint8_t* src, std::int64_t n_blocks, float* dst);

// The vectorized (AVX2) dequantizer for `type` when this CPU runs it and one exists
// (q4_0, q4_1, q5_0, q5_1, q8_0, q6_k; the others' scalar loops vectorize on their
// own), else nullptr. Bit-exact with the scalar `dequant_*` below. Thread-safe.
BlockDequantFn simd_block_dequant(GgufType type);

void dequant_q4_0(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q4_1(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q5_0(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q5_1(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q8_0(const std::uint8_t* src, std::int64_t n_blocks, float* dst);

void dequant_q2_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q3_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q4_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q5_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q6_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst);
void dequant_q8_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst);

}  // namespace lorag::model::formats::detail
