// SPDX-License-Identifier: Apache-2.0
// The output head at int8 speed with fp32 x's argmax (model/quant). Rounding x to
// 8 bits (kernels/quant_dot_q8.h) moves output r by at most
//   Σ_k |w_rk|·|x_k − x̂_k| ≤ Σ_g (d_g / 2)·M_rg,
// M_rg being Σ|w_rk| over the 256 columns of group g and d_g the largest scale of
// x's blocks there (x̂ = d·round(x / d)). A row whose int8 value plus its bound is
// below another row's int8 value minus that one's cannot hold the maximum; the rows
// left, usually a handful, are computed again with fp32 x. So greedy decoding picks
// what the fp32-x head picks, while the whole head runs llama.cpp's int8 arithmetic.
#pragma once

#include <cstdint>
#include <vector>

#include "model/formats/gguf_type.h"
#include "model/quant/kernels/quant_dot_q8.h"

namespace lorag::model::quant {

// M_rg for every row of a quantized weight ([out, groups]), and each group's largest
// over the rows (to rule most rows out without their own bound). 4 bytes per 256
// weights (about 2% of a q6_K head).
class RowMagnitudes {
 public:
  static constexpr std::int64_t kGroup = 256;  // columns per group

  // From the rows dequantized exactly (model/formats), parallel over rows.
  RowMagnitudes(formats::GgufType type, const std::uint8_t* blocks, std::int64_t row_bytes, std::int64_t out,
                std::int64_t in);

  std::int64_t out() const { return out_; }
  std::int64_t in() const { return in_; }
  std::int64_t groups() const { return groups_; }
  const float* row(std::int64_t r) const { return m_.data() + r * groups_; }  // M_rg for g in [0, groups)
  const float* largest() const { return largest_.data(); }                   // max_r M_rg for each g

 private:
  std::int64_t out_, in_, groups_;
  std::vector<float> m_, largest_;
};

// The rows of one x row's int8 product `y` [out] that could hold its maximum, x being
// the in / 32 blocks it was computed from; in increasing order, never empty unless y
// has no finite value.
std::vector<std::int64_t> argmax_candidates(const RowMagnitudes& m, const kernels::Q8Block* x, const float* y);

// Output r's bound for that x row, as argmax_candidates uses it (for tests).
float int8_error_bound(const RowMagnitudes& m, const kernels::Q8Block* x, std::int64_t r);

}  // namespace lorag::model::quant
