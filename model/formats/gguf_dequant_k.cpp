// SPDX-License-Identifier: Apache-2.0
// Dequantizers for ggml's 256-element "K-quant" super-blocks q2_K..q8_K
// (model/formats), transcribed from ggml-quants.c `dequantize_row_*` with QK_K = 256.
#include <bit>

#include "model/formats/gguf_dequant_blocks.h"
#include "model/formats/half.h"

namespace lorag::model::formats::detail {

namespace {
constexpr int kQK_K = 256;
}  // namespace

// block_q2_K { uint8 scales[16]; uint8 qs[64]; half d; half dmin; } (84 bytes):
// 16 sub-blocks of 16, 4-bit scale and 4-bit min each, 2-bit quants.
void dequant_q2_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 84) {
    const std::uint8_t* scales = src;
    const std::uint8_t* q = src + 16;
    const float d = fp16_to_fp32(load_u16(src + 80));
    const float min = fp16_to_fp32(load_u16(src + 82));
    int is = 0;
    for (int n = 0; n < kQK_K; n += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int half = 0; half < 2; ++half) {
          const std::uint8_t sc = scales[is++];
          const float dl = d * static_cast<float>(sc & 0xF);
          const float ml = min * static_cast<float>(sc >> 4);
          for (int l = 0; l < 16; ++l) *dst++ = dl * static_cast<float>((q[l + 16 * half] >> shift) & 3) - ml;
        }
      }
    }
  }
}

// block_q3_K { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; half d; } (110 bytes):
// 2 low bits in qs, the third (inverted: set means no -4) in hmask, 6-bit scales.
void dequant_q3_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 110) {
    const std::uint8_t* hm = src;
    const std::uint8_t* q = src + 32;
    const std::uint8_t* packed = src + 96;
    const float d_all = fp16_to_fp32(load_u16(src + 108));
    // Unpacks the 16 6-bit scales as ggml's kmask1/kmask2 shuffle does, but
    // byte-wise so it does not depend on host endianness.
    int scales[16];
    for (int i = 0; i < 16; ++i) {
      const int low = i < 8 ? (packed[i] & 0xF) : (packed[i - 8] >> 4);
      const int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
      scales[i] = (low | (high << 4)) - 32;
    }
    int is = 0;
    std::uint8_t m = 1;
    for (int n = 0; n < kQK_K; n += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m = static_cast<std::uint8_t>(m << 1)) {
        for (int half = 0; half < 2; ++half) {
          const float dl = d_all * static_cast<float>(scales[is++]);
          for (int l = 0; l < 16; ++l) {
            const int k = l + 16 * half;
            const int v = ((q[k] >> shift) & 3) - ((hm[k] & m) ? 0 : 4);
            *dst++ = dl * static_cast<float>(v);
          }
        }
      }
    }
  }
}

// block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128]; } (144 bytes):
// 8 sub-blocks of 32 with 6-bit scale/min pairs.
void dequant_q4_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 144) {
    const float d = fp16_to_fp32(load_u16(src));
    const float min = fp16_to_fp32(load_u16(src + 2));
    const std::uint8_t* scales = src + 4;
    const std::uint8_t* q = src + 16;
    for (int j = 0, is = 0; j < kQK_K; j += 64, is += 2, q += 32) {
      std::uint8_t sc, m;
      get_scale_min_k4(is + 0, scales, sc, m);
      const float d1 = d * sc, m1 = min * m;
      get_scale_min_k4(is + 1, scales, sc, m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; ++l) *dst++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *dst++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

// block_q5_K { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }
// (176 bytes): q4_K plus a fifth bit per element in qh.
void dequant_q5_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 176) {
    const float d = fp16_to_fp32(load_u16(src));
    const float min = fp16_to_fp32(load_u16(src + 2));
    const std::uint8_t* scales = src + 4;
    const std::uint8_t* qh = src + 16;
    const std::uint8_t* ql = src + 48;
    std::uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < kQK_K; j += 64, is += 2, ql += 32) {
      std::uint8_t sc, m;
      get_scale_min_k4(is + 0, scales, sc, m);
      const float d1 = d * sc, m1 = min * m;
      get_scale_min_k4(is + 1, scales, sc, m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; ++l) *dst++ = d1 * static_cast<float>((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) *dst++ = d2 * static_cast<float>((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
      u1 = static_cast<std::uint8_t>(u1 << 2);
      u2 = static_cast<std::uint8_t>(u2 << 2);
    }
  }
}

// block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; } (210 bytes).
void dequant_q6_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 210) {
    const std::uint8_t* ql = src;
    const std::uint8_t* qh = src + 128;
    const std::int8_t* sc = reinterpret_cast<const std::int8_t*>(src + 192);
    const float d = fp16_to_fp32(load_u16(src + 208));
    for (int n = 0; n < kQK_K; n += 128, dst += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        dst[l + 0] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
        dst[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
        dst[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
        dst[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
      }
    }
  }
}

// block_q8_K { float d; int8 qs[256]; int16 bsums[16]; } (292 bytes); bsums unused.
void dequant_q8_k(const std::uint8_t* src, std::int64_t n_blocks, float* dst) {
  for (std::int64_t b = 0; b < n_blocks; ++b, src += 292, dst += kQK_K) {
    const float d = std::bit_cast<float>(load_u32(src));
    for (int j = 0; j < kQK_K; ++j) dst[j] = d * static_cast<float>(static_cast<std::int8_t>(src[4 + j]));
  }
}

}  // namespace lorag::model::formats::detail
