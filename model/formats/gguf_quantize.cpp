// SPDX-License-Identifier: Apache-2.0
// fp32 -> f32/f16/bf16/q8_0 encoders (model/formats).
#include "model/formats/gguf_quantize.h"

#include <bit>
#include <cmath>

#include "model/core/error.h"
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
}  // namespace

bool can_quantize(GgufType type) {
  return type == GgufType::kF32 || type == GgufType::kF16 || type == GgufType::kBF16 || type == GgufType::kQ8_0;
}

std::vector<std::uint8_t> quantize(GgufType type, std::span<const float> values) {
  const GgufTypeInfo& info = gguf_type_info(type);
  LORAG_CHECK(can_quantize(type), FormatError, "gguf: writing ", info.name,
              " tensors is not supported (supported: f32 f16 bf16 q8_0)");
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
    default:
      quantize_q8_0(values, p);
      break;
  }
  return out;
}

}  // namespace lorag::model::formats
