// SPDX-License-Identifier: Apache-2.0
// IEEE fp16 and bfloat16 <-> fp32 conversions without torch or F16C (model/formats),
// bit-exact with numpy's float16 casts and ggml's GGML_FP16_TO_FP32 / bf16 helpers.
#pragma once

#include <bit>
#include <cstdint>

namespace lorag::model::formats {

// Exact: every fp16 value (subnormals, +-inf, NaN payloads) has an fp32 equal.
// Branch-free so loops vectorize; this is ggml's `ggml_compute_fp16_to_fp32`
// (from M. Dukhan's FP16 library): normals are rebiased by a multiply by 2^-112,
// subnormals built with the magic-bias subtraction.
inline float fp16_to_fp32(std::uint16_t h) {
  const std::uint32_t w = static_cast<std::uint32_t>(h) << 16;
  const std::uint32_t sign = w & 0x80000000u;
  const std::uint32_t two_w = w + w;
  const float normalized = std::bit_cast<float>((two_w >> 4) + (0xe0u << 23)) * 0x1.0p-112f;
  const float denormalized = std::bit_cast<float>((two_w >> 17) | (126u << 23)) - 0.5f;
  const std::uint32_t bits = two_w < (1u << 27) ? std::bit_cast<std::uint32_t>(denormalized)
                                                : std::bit_cast<std::uint32_t>(normalized);
  return std::bit_cast<float>(sign | bits);
}

// Round to nearest even, overflow to +-inf, NaN stays NaN (quiet), as numpy's
// `astype(np.float16)`. Assumes the default rounding mode (no fast-math FTZ).
inline std::uint16_t fp32_to_fp16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  std::uint32_t a = x & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u | static_cast<std::uint16_t>((a >> 13) & 0x3ffu);
  if (a >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds to inf
  if (a < 0x38800000u) {
    // Result is subnormal in fp16: adding 0.5f puts round(|f| * 2^24) (ties to
    // even, by the FPU) into the low mantissa bits (F. Giesen, float_to_half_fast3).
    const float sum = std::bit_cast<float>(a) + 0.5f;
    return sign | static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(sum) - 0x3f000000u);
  }
  const std::uint32_t odd = (a >> 13) & 1u;
  a += 0xc8000fffu + odd;  // rebias exponent (-112 << 23) and round to nearest even
  return sign | static_cast<std::uint16_t>(a >> 13);
}

// Exact: bf16 is the top half of an fp32.
inline float bf16_to_fp32(std::uint16_t h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }

// Round to nearest even; NaN forced quiet; as ggml's `ggml_compute_fp32_to_bf16`.
inline std::uint16_t fp32_to_bf16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 64u);
  return static_cast<std::uint16_t>((x + (0x7fffu + ((x >> 16) & 1u))) >> 16);
}

}  // namespace lorag::model::formats
