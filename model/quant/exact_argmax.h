// SPDX-License-Identifier: Apache-2.0
// The output head at int8 speed with fp32 x's argmax (model/quant). Rounding x to
// 8 bits (kernels/quant_dot_q8.h) moves output r by at most
//   Σ_k |w_rk|·|x_k − x̂_k| ≤ Σ_g (d_g / 2)·M_rg,
// M_rg being Σ|w_rk| over the columns of group g, one scale span of x (32 values for
// the legacy types, 256 for the K-quants: q8_span), and d_g x's scale there
// (x̂ = d·round(x / d)). A row whose int8 value plus its bound is below another row's
// int8 value minus that one's cannot hold the maximum; the rows left, usually a
// handful, are computed again with fp32 x. So greedy decoding picks what the fp32-x
// head picks, while the whole head runs llama.cpp's int8 arithmetic.
#pragma once

#include <cstdint>
#include <vector>

#include "model/formats/gguf_type.h"
#include "model/quant/kernels/quant_dot_q8.h"

namespace lorag::model::quant {

// M_rg for every row of a quantized weight ([out, groups], fp16 rounded up so each
// stays a bound), and each group's largest over the rows (to rule most rows out
// without their own bound). 2 bytes per span: 6% of a q8_0 head, 1% of a q6_K one.
class RowMagnitudes {
 public:
  // From the rows dequantized exactly (model/formats), parallel over rows.
  RowMagnitudes(formats::GgufType type, const std::uint8_t* blocks, std::int64_t row_bytes, std::int64_t out,
                std::int64_t in);

  std::int64_t out() const { return out_; }
  std::int64_t in() const { return in_; }
  std::int64_t span() const { return span_; }  // columns per group: x's q8_span
  std::int64_t groups() const { return in_ / span_; }
  float at(std::int64_t r, std::int64_t g) const;                      // M_rg (at least the exact sum)
  const float* largest() const { return largest_.data(); }             // max_r M_rg for each g

 private:
  std::int64_t out_, in_, span_;
  std::vector<std::uint16_t> m_;  // fp16 bits [out, groups]
  std::vector<float> largest_;
};

// The rows of one x row's int8 product `y` [out] that could hold its maximum, x being
// the in / 32 blocks it was computed from; in increasing order, never empty unless y
// has no finite value.
std::vector<std::int64_t> argmax_candidates(const RowMagnitudes& m, const kernels::Q8Block* x, const float* y);

// Output r's bound for that x row, as argmax_candidates uses it (for tests).
float int8_error_bound(const RowMagnitudes& m, const kernels::Q8Block* x, std::int64_t r);

}  // namespace lorag::model::quant
