// SPDX-License-Identifier: Apache-2.0
// Dequantizers for ggml's 32-element block types q4_0, q4_1, q5_0, q5_1, q8_0
// (model/formats), transcribed from ggml-quants.c `dequantize_row_*`.
#include "model/formats/gguf_dequant_blocks.h"
#include "model/formats/half.h"

namespace lorag::model::formats::detail {

namespace {
constexpr int kQK = 32;
}  // namespace

// block_q4_0 { half d; uint8 qs[16]; }: low nibbles are elements 0..15, high 16..31.
void dequant_q4_0(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 18, dst += kQK) {
    const float d = fp16_to_fp32(load_u16(src));
    const std::uint8_t* qs = src + 2;
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
      dst[j + kQK / 2] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
  }
}

// block_q4_1 { half d; half m; uint8 qs[16]; }.
void dequant_q4_1(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 20, dst += kQK) {
    const float d = fp16_to_fp32(load_u16(src));
    const float m = fp16_to_fp32(load_u16(src + 2));
    const std::uint8_t* qs = src + 4;
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = static_cast<float>(qs[j] & 0x0F) * d + m;
      dst[j + kQK / 2] = static_cast<float>(qs[j] >> 4) * d + m;
    }
  }
}

// block_q5_0 { half d; uint8 qh[4]; uint8 qs[16]; }: bit j of qh is the fifth
// bit of element j.
void dequant_q5_0(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 22, dst += kQK) {
    const float d = fp16_to_fp32(load_u16(src));
    const std::uint32_t qh = load_u32(src + 2);
    const std::uint8_t* qs = src + 6;
    for (int j = 0; j < kQK / 2; ++j) {
      const std::uint8_t xh_0 = ((qh >> (j + 0)) << 4) & 0x10;
      const std::uint8_t xh_1 = ((qh >> (j + 12))) & 0x10;
      const std::int32_t x0 = ((qs[j] & 0x0F) | xh_0) - 16;
      const std::int32_t x1 = ((qs[j] >> 4) | xh_1) - 16;
      dst[j] = static_cast<float>(x0) * d;
      dst[j + kQK / 2] = static_cast<float>(x1) * d;
    }
  }
}

// block_q5_1 { half d; half m; uint8 qh[4]; uint8 qs[16]; }.
void dequant_q5_1(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 24, dst += kQK) {
    const float d = fp16_to_fp32(load_u16(src));
    const float m = fp16_to_fp32(load_u16(src + 2));
    const std::uint32_t qh = load_u32(src + 4);
    const std::uint8_t* qs = src + 8;
    for (int j = 0; j < kQK / 2; ++j) {
      const std::uint8_t xh_0 = ((qh >> (j + 0)) << 4) & 0x10;
      const std::uint8_t xh_1 = ((qh >> (j + 12))) & 0x10;
      const int x0 = (qs[j] & 0x0F) | xh_0;
      const int x1 = (qs[j] >> 4) | xh_1;
      dst[j] = static_cast<float>(x0) * d + m;
      dst[j + kQK / 2] = static_cast<float>(x1) * d + m;
    }
  }
}

// block_q8_0 { half d; int8 qs[32]; }.
void dequant_q8_0(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 34, dst += kQK) {
    const float d = fp16_to_fp32(load_u16(src));
    for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(static_cast<std::int8_t>(src[2 + j])) * d;
  }
}

}  // namespace lorag::model::formats::detail
