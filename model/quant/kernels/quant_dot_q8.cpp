// SPDX-License-Identifier: Apache-2.0
// x → int8 blocks, the choice of int8 kernel variant, and the portable scalar
// kernels (model/quant): each weight block is dequantized with ggml's reference
// arithmetic (model/formats) and dotted with x's int8 values, one scale per 32.
#include "model/quant/kernels/quant_dot_q8.h"

#include <algorithm>
#include <cmath>

#include "model/formats/gguf_dequant_blocks.h"

namespace lorag::model::quant::kernels {
namespace {
using formats::GgufType;
using BlockDequant = void (*)(const std::uint8_t*, std::int64_t, float*);

BlockDequant block_dequant(GgufType type) {
  switch (type) {
    case GgufType::kQ4_0: return formats::detail::dequant_q4_0;
    case GgufType::kQ4_1: return formats::detail::dequant_q4_1;
    case GgufType::kQ5_0: return formats::detail::dequant_q5_0;
    case GgufType::kQ5_1: return formats::detail::dequant_q5_1;
    case GgufType::kQ8_0: return formats::detail::dequant_q8_0;
    case GgufType::kQ4_K: return formats::detail::dequant_q4_k;
    case GgufType::kQ5_K: return formats::detail::dequant_q5_k;
    default: return formats::detail::dequant_q6_k;
  }
}

// Each weight block dequantized once, then dotted with every x row's block.
template <GgufType kType>
void q8dot_scalar_rows(const std::uint8_t* w, const Q8Block* x, std::int64_t xs, int rows, std::int64_t cols,
                       float* y) {
  const auto& info = formats::gguf_type_info(kType);
  const BlockDequant dequant = block_dequant(kType);
  float buf[256];
  for (int r = 0; r < rows; ++r) y[r] = 0.0f;
  for (std::int64_t k = 0; k < cols; k += info.block_size, w += info.type_size) {
    dequant(w, 1, buf);
    for (int r = 0; r < rows; ++r) {
      const Q8Block* xb = x + r * xs + k / 32;
      for (std::int64_t j = 0; j < info.block_size; j += 32, ++xb) {
        float sum = 0.0f;
        for (int l = 0; l < 32; ++l) sum += buf[j + l] * static_cast<float>(xb->q[l]);
        y[r] += sum * xb->d;
      }
    }
  }
}

template <GgufType kType>
float q8dot_scalar(const std::uint8_t* w, const Q8Block* x, std::int64_t cols) {
  float y;
  q8dot_scalar_rows<kType>(w, x, 0, 1, cols, &y);
  return y;
}
}  // namespace

void quantize_q8(const float* x, std::int64_t n, Q8Block* out, Isa isa, int span) {
  if (isa != Isa::kScalar) {
    if (auto f = detail::quantize_q8_avx2()) return f(x, n, out, span);
  }
  for (std::int64_t s0 = 0; s0 < n; s0 += span) {
    float amax = 0.0f;
    for (int l = 0; l < span; ++l) amax = std::max(amax, std::fabs(x[s0 + l]));
    const float d = amax / 127.0f;
    const float id = d > 0.0f ? 1.0f / d : 0.0f;
    for (std::int64_t b = s0 / 32; b < (s0 + span) / 32; ++b) {
      int sum = 0;
      for (int l = 0; l < 32; ++l) {
        const int q = static_cast<int>(std::nearbyint(x[32 * b + l] * id));
        out[b].q[l] = static_cast<std::int8_t>(std::clamp(q, -127, 127));
        sum += out[b].q[l];
      }
      out[b].d = d;
      out[b].s = d * static_cast<float>(sum);
      std::fill(std::begin(out[b].span_sums), std::end(out[b].span_sums), std::int16_t{0});
      out[s0 / 32].span_sums[(b - s0 / 32) % 8] = static_cast<std::int16_t>(sum);  // spans hold at most 8 blocks
    }
  }
}

int q8_span(GgufType type) {
  return type == GgufType::kQ4_K || type == GgufType::kQ5_K || type == GgufType::kQ6_K ? 256 : 32;
}

RowDotQ8 row_dot_q8(GgufType type, Isa isa) {
  switch (isa) {
    case Isa::kAvx512Vnni:
      if (auto f = detail::row_dot_q8_avx512_vnni(type)) return f;
      [[fallthrough]];
    case Isa::kAvx512:
    case Isa::kAvx2:
      if (auto f = detail::row_dot_q8_avx2(type)) return f;
      break;
    case Isa::kAvxVnni:
      if (auto f = detail::row_dot_q8_avx_vnni(type)) return f;
      if (auto f = detail::row_dot_q8_avx2(type)) return f;
      break;
    case Isa::kScalar: break;
  }
  return detail::row_dot_q8_scalar(type);
}

RowsDotQ8 rows_dot_q8(GgufType type, Isa isa) {
  switch (isa) {
    case Isa::kAvx512Vnni:
      if (auto f = detail::rows_dot_q8_avx512_vnni(type)) return f;
      [[fallthrough]];
    case Isa::kAvx512:
    case Isa::kAvx2:
      if (auto f = detail::rows_dot_q8_avx2(type)) return f;
      break;
    case Isa::kAvxVnni:
      if (auto f = detail::rows_dot_q8_avx_vnni(type)) return f;
      if (auto f = detail::rows_dot_q8_avx2(type)) return f;
      break;
    case Isa::kScalar: break;
  }
  return detail::rows_dot_q8_scalar(type);
}

namespace detail {
RowDotQ8 row_dot_q8_scalar(GgufType type) {
  switch (type) {
    case GgufType::kQ4_0: return q8dot_scalar<GgufType::kQ4_0>;
    case GgufType::kQ4_1: return q8dot_scalar<GgufType::kQ4_1>;
    case GgufType::kQ5_0: return q8dot_scalar<GgufType::kQ5_0>;
    case GgufType::kQ5_1: return q8dot_scalar<GgufType::kQ5_1>;
    case GgufType::kQ8_0: return q8dot_scalar<GgufType::kQ8_0>;
    case GgufType::kQ4_K: return q8dot_scalar<GgufType::kQ4_K>;
    case GgufType::kQ5_K: return q8dot_scalar<GgufType::kQ5_K>;
    case GgufType::kQ6_K: return q8dot_scalar<GgufType::kQ6_K>;
    default: return nullptr;
  }
}

RowsDotQ8 rows_dot_q8_scalar(GgufType type) {
  switch (type) {
    case GgufType::kQ4_0: return q8dot_scalar_rows<GgufType::kQ4_0>;
    case GgufType::kQ4_1: return q8dot_scalar_rows<GgufType::kQ4_1>;
    case GgufType::kQ5_0: return q8dot_scalar_rows<GgufType::kQ5_0>;
    case GgufType::kQ5_1: return q8dot_scalar_rows<GgufType::kQ5_1>;
    case GgufType::kQ8_0: return q8dot_scalar_rows<GgufType::kQ8_0>;
    case GgufType::kQ4_K: return q8dot_scalar_rows<GgufType::kQ4_K>;
    case GgufType::kQ5_K: return q8dot_scalar_rows<GgufType::kQ5_K>;
    case GgufType::kQ6_K: return q8dot_scalar_rows<GgufType::kQ6_K>;
    default: return nullptr;
  }
}
}  // namespace detail

}  // namespace lorag::model::quant::kernels
