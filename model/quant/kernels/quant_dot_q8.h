// SPDX-License-Identifier: Apache-2.0
// Torch-free dot products of one quantized GGUF row with an int8-quantized vector
// (model/quant): llama.cpp's decode arithmetic. x is quantized once per product to
// blocks of 32 int8 values with one fp32 scale (q8_0-like), then each weight block's
// quants meet x's as integers (AVX-512 VNNI / AVX-VNNI `vpdpbusd`, AVX2
// `pmaddubsw`+`pmaddwd`), one float multiply-add per 32 values. x rounded to 8 bits
// costs about 2e-5 of the product's energy (NMSE); the weights are used exactly.
#pragma once

#include <cstdint>

#include "model/formats/gguf_type.h"
#include "model/quant/kernels/quant_dot.h"

namespace lorag::model::quant::kernels {

// 32 values of x as d·q[i]. `s` = d·Σq (the block's sum, for weight types with an
// offset: Σ(a·w + m)·x = a·Σw·x + m·Σx). The first block of each scale span holds
// `span_sums`, Σq of each of the span's first 8 blocks side by side (zero past the
// span, and in the span's other blocks), so that q4_K's 8 mins meet them in one
// pmaddwd rather than in 8 scalar products per weight row.
struct Q8Block {
  float d;
  float s;
  std::int16_t span_sums[8];
  std::int8_t q[32];
};
static_assert(sizeof(Q8Block) == 56);

// x[0 .. n) → n / 32 blocks (n a multiple of `span`, 32 or 256): d = max|x| / 127
// over each `span` values (every block of a span carries the same d), q = round(x / d)
// (to nearest even). The AVX2 variant when `isa` runs it; every variant gives the
// same blocks.
void quantize_q8(const float* x, std::int64_t n, Q8Block* out, Isa isa = active_isa(), int span = 32);
using QuantizeQ8 = void (*)(const float* x, std::int64_t n, Q8Block* out, int span);

// The span x must be quantized with for `type`'s kernels: 256 for q4_k, q5_k and
// q6_k (their SIMD kernels read one d per super-block, x[8b].d), 32 otherwise.
int q8_span(formats::GgufType type);

// Σ_k W[k]·x[k] for one row `w` of `cols` values stored as `type` (cols a multiple
// of the block size) and x as cols / 32 blocks quantized with q8_span(type). fp32 accumulation of exact integer
// block sums; the variants differ in summation order only.
using RowDotQ8 = float (*)(const std::uint8_t* w, const Q8Block* x, std::int64_t cols);

// The kernel for `type` in variant `isa` (scalar; AVX2 and AVX-512 without VNNI run
// the AVX2 one), or nullptr when `type` is not kept quantized.
RowDotQ8 row_dot_q8(formats::GgufType type, Isa isa);

// The most x rows one several-rows call takes (as RowsDot).
inline constexpr int kMaxQ8Rows = kMaxRows;

// y[i] = Σ_k W[k]·x_i[k] for i < rows (1 ≤ rows ≤ kMaxQ8Rows), x row i being the
// cols / 32 blocks at x + i·x_stride: one weight row against several x rows (a
// continuous batch, a prefill chunk), each weight block unpacked once for all of
// them. Bit for bit what `rows` calls of the one-row kernel of the same variant give.
using RowsDotQ8 = void (*)(const std::uint8_t* w, const Q8Block* x, std::int64_t x_stride, int rows,
                           std::int64_t cols, float* y);

// The several-rows kernel for `type` in variant `isa`, chosen as row_dot_q8 chooses.
RowsDotQ8 rows_dot_q8(formats::GgufType type, Isa isa);

namespace detail {
RowDotQ8 row_dot_q8_scalar(formats::GgufType type);
RowDotQ8 row_dot_q8_avx2(formats::GgufType type);         // nullptr when not built
QuantizeQ8 quantize_q8_avx2();                            // nullptr when not built
RowDotQ8 row_dot_q8_avx_vnni(formats::GgufType type);     // nullptr when not built
RowDotQ8 row_dot_q8_avx512_vnni(formats::GgufType type);  // nullptr when not built
RowsDotQ8 rows_dot_q8_scalar(formats::GgufType type);
RowsDotQ8 rows_dot_q8_avx2(formats::GgufType type);         // nullptr when not built
RowsDotQ8 rows_dot_q8_avx_vnni(formats::GgufType type);     // nullptr when not built
RowsDotQ8 rows_dot_q8_avx512_vnni(formats::GgufType type);  // nullptr when not built
}  // namespace detail

}  // namespace lorag::model::quant::kernels
