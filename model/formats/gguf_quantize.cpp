// SPDX-License-Identifier: Apache-2.0
// fp32 -> f32/f16/bf16/q8_0/q4_0/q4_1/q5_0/q5_1 encoders (model/formats).
#include "model/formats/gguf_quantize.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "model/core/error.h"
#include "model/formats/gguf_quantize_k.h"
#include "model/formats/half.h"

namespace lorag::model::formats {

namespace {
void put_u16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}

// ggml-quants.c `quantize_row_q8_0_ref`; gguf-py's Q8_0.quantize_blocks matches it.
void quantize_q8_0(std::span<const float> x, std::uint8_t* out) {
  constexpr std::size_t kQK = 32;
  for (std::size_t b = 0; b < x.size() / kQK; ++b, out += 2 + kQK) {
    const float* v = x.data() + b * kQK;
    float amax = 0.0f;
    for (std::size_t j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(v[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_u16(out, fp32_to_fp16(d));
    for (std::size_t j = 0; j < kQK; ++j) {
      out[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(std::roundf(v[j] * id)));
    }
  }
}
// ggml-quants.c `quantize_row_q4_0_ref` / `quantize_row_q5_0_ref` (d = the signed
// value of largest magnitude / -2^(bits-1)) and `quantize_row_q4_1_ref` /
// `quantize_row_q5_1_ref` (d = (max - min) / (2^bits - 1), m = min), with ggml's
// truncating casts in the same order; the 5-bit types put each value's fifth bit
// in `qh`. gguf-py's quantizers do the same arithmetic.
void quantize_legacy(GgufType type, std::span<const float> x, std::uint8_t* out) {
  constexpr int kQK = 32;
  const bool with_min = type == GgufType::kQ4_1 || type == GgufType::kQ5_1;
  const bool five = type == GgufType::kQ5_0 || type == GgufType::kQ5_1;
  const int max_q = five ? 31 : 15;
  const auto size = static_cast<std::size_t>(gguf_type_info(type).type_size);
  for (std::size_t b = 0; b < x.size() / kQK; ++b, out += size) {
    const float* v = x.data() + b * kQK;
    float d, min = 0.0f;
    if (with_min) {
      float max = -FLT_MAX;
      min = FLT_MAX;
      for (int j = 0; j < kQK; ++j) min = std::min(min, v[j]), max = std::max(max, v[j]);
      d = (max - min) / static_cast<float>(max_q);
      put_u16(out + 2, fp32_to_fp16(min));
    } else {
      float amax = 0.0f, max = 0.0f;
      for (int j = 0; j < kQK; ++j) {
        if (amax < std::fabs(v[j])) amax = std::fabs(v[j]), max = v[j];
      }
      d = max / (five ? -16.0f : -8.0f);
    }
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_u16(out, fp32_to_fp16(d));
    std::uint8_t* qs = out + (with_min ? 4 : 2) + (five ? 4 : 0);
    std::uint32_t qh = 0;
    auto code = [&](float value) -> int {
      if (!with_min) return std::min(max_q, static_cast<int>(static_cast<std::int8_t>(value * id + (five ? 16.5f : 8.5f))));
      const float scaled = (value - min) * id;
      return five ? static_cast<std::uint8_t>(scaled + 0.5f)
                  : std::min(15, static_cast<int>(static_cast<std::int8_t>(scaled + 0.5f)));
    };
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = code(v[j]), q1 = code(v[j + kQK / 2]);
      qs[j] = static_cast<std::uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= ((static_cast<std::uint32_t>(q0) & 0x10u) >> 4) << j;
      qh |= ((static_cast<std::uint32_t>(q1) & 0x10u) >> 4) << (j + kQK / 2);
    }
    if (five) {
      for (int i = 0; i < 4; ++i) out[(with_min ? 4 : 2) + i] = static_cast<std::uint8_t>(qh >> (8 * i));
    }
  }
}
}  // namespace

bool can_quantize(GgufType type) {
  return type == GgufType::kF32 || type == GgufType::kF16 || type == GgufType::kBF16 || type == GgufType::kQ8_0 ||
         type == GgufType::kQ4_0 || type == GgufType::kQ4_1 || type == GgufType::kQ5_0 || type == GgufType::kQ5_1 ||
         type == GgufType::kQ4_K || type == GgufType::kQ5_K || type == GgufType::kQ6_K;
}

std::vector<std::uint8_t> quantize(GgufType type, std::span<const float> values) {
  const GgufTypeInfo& info = gguf_type_info(type);
  LORAG_CHECK(can_quantize(type), FormatError, "gguf: writing ", info.name,
              " tensors is not supported (supported: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q4_k q5_k q6_k)");
  const auto n = static_cast<std::int64_t>(values.size());
  LORAG_CHECK(n % info.block_size == 0, FormatError, "gguf: cannot quantize ", n, " values to ", info.name,
              ": not a multiple of the block size ", info.block_size);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(n / info.block_size * info.type_size));
  std::uint8_t* p = out.data();
  switch (type) {
    case GgufType::kF32:
      for (float v : values) {
        const std::uint32_t bits = std::bit_cast<std::uint32_t>(v);
        for (int i = 0; i < 4; ++i) *p++ = static_cast<std::uint8_t>(bits >> (8 * i));
      }
      break;
    case GgufType::kF16:
      for (float v : values) put_u16(p, fp32_to_fp16(v)), p += 2;
      break;
    case GgufType::kBF16:
      for (float v : values) put_u16(p, fp32_to_bf16(v)), p += 2;
      break;
    case GgufType::kQ8_0:
      quantize_q8_0(values, p);
      break;
    case GgufType::kQ4_K:
      detail::quantize_q4_k(values.data(), n / info.block_size, p);
      break;
    case GgufType::kQ5_K:
      detail::quantize_q5_k(values.data(), n / info.block_size, p);
      break;
    case GgufType::kQ6_K:
      detail::quantize_q6_k(values.data(), n / info.block_size, p);
      break;
    default:
      quantize_legacy(type, values, p);
      break;
  }
  return out;
}

}  // namespace lorag::model::formats
