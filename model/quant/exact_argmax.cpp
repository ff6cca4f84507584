// SPDX-License-Identifier: Apache-2.0
#include "model/quant/exact_argmax.h"

#include <ATen/Parallel.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/formats/gguf_dequant.h"

namespace lorag::model::quant {
namespace {
// d / 2 of the rounding, plus 2% for what neither bound counts: the fp32 roundoff of
// the int8 and the fp32 kernels (below 0.1% of the bound for rows of up to 8192
// columns) and of M's sums.
constexpr float kHalfScaleMargin = 0.51f;

// fp16 at or above v (v ≥ 0): M stays an upper bound after rounding.
std::uint16_t half_at_least(float v) {
  std::uint16_t h = c10::detail::fp16_ieee_from_fp32_value(v);
  if (c10::detail::fp16_ieee_to_fp32_value(h) < v) ++h;  // the next fp16 up (positive values)
  return h;
}

// (d_g / 2)·margin for each of x's scale spans.
std::vector<float> half_scales(const RowMagnitudes& m, const kernels::Q8Block* x) {
  std::vector<float> half(static_cast<std::size_t>(m.groups()));
  // Every block of a span carries the span's d (quantize_q8).
  for (std::int64_t g = 0; g < m.groups(); ++g) half[g] = std::abs(x[g * (m.span() / 32)].d) * kHalfScaleMargin;
  return half;
}

float bound_of(const RowMagnitudes& m, const std::vector<float>& half, std::int64_t r) {
  float bound = 0.0f;
  for (std::int64_t g = 0; g < m.groups(); ++g) bound += half[static_cast<std::size_t>(g)] * m.at(r, g);
  return bound;
}

// max y, NaN ignored; eight lanes so that it compiles to vector max instructions.
float largest_value(const float* y, std::int64_t n) {
  float lane[8];
  std::fill(lane, lane + 8, -std::numeric_limits<float>::infinity());
  std::int64_t r = 0;
  for (; r + 8 <= n; r += 8) {
    for (int j = 0; j < 8; ++j) lane[j] = y[r + j] > lane[j] ? y[r + j] : lane[j];
  }
  float best = *std::max_element(lane, lane + 8);
  for (; r < n; ++r) best = y[r] > best ? y[r] : best;
  return best;
}
}  // namespace

RowMagnitudes::RowMagnitudes(formats::GgufType type, const std::uint8_t* blocks, std::int64_t row_bytes,
                             std::int64_t out, std::int64_t in)
    : out_(out), in_(in), span_(kernels::q8_span(type)), m_(static_cast<std::size_t>(out * (in / span_))) {
  const std::int64_t groups = in / span_;
  at::parallel_for(0, out, std::max<std::int64_t>(1, 16384 / in), [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> row(static_cast<std::size_t>(in));
    for (std::int64_t r = begin; r < end; ++r) {
      formats::dequantize_row(type, blocks + r * row_bytes, in, row.data());
      for (std::int64_t g = 0; g < groups; ++g) {
        float sum = 0.0f;
        for (std::int64_t k = g * span_; k < (g + 1) * span_; ++k) sum += std::abs(row[k]);
        m_[static_cast<std::size_t>(r * groups + g)] = half_at_least(sum);
      }
    }
  });
  largest_.assign(static_cast<std::size_t>(groups), 0.0f);
  for (std::int64_t r = 0; r < out; ++r) {
    for (std::int64_t g = 0; g < groups; ++g) largest_[g] = std::max(largest_[g], at(r, g));
  }
}

float RowMagnitudes::at(std::int64_t r, std::int64_t g) const {
  return c10::detail::fp16_ieee_to_fp32_value(m_[static_cast<std::size_t>(r * groups() + g)]);
}

float int8_error_bound(const RowMagnitudes& m, const kernels::Q8Block* x, std::int64_t r) {
  return bound_of(m, half_scales(m, x), r);
}

std::vector<std::int64_t> argmax_candidates(const RowMagnitudes& m, const kernels::Q8Block* x, const float* y) {
  const auto half = half_scales(m, x);
  const std::int64_t out = m.out();
  const float top = largest_value(y, out);
  if (!std::isfinite(top)) return {};  // NaN or inf in the head: nothing to rank
  const std::int64_t top_row = std::find(y, y + out, top) - y;
  // The maximum is at least top − bound(top_row). No row's bound exceeds `widest`, so
  // only rows within `widest` below that need their own bound.
  float widest = 0.0f;
  for (std::int64_t g = 0; g < m.groups(); ++g) widest += half[static_cast<std::size_t>(g)] * m.largest()[g];
  const float reach = top - bound_of(m, half, top_row) - widest;
  std::vector<std::int64_t> near;
  std::vector<float> bounds;
  float floor = -std::numeric_limits<float>::infinity();  // max over rows of y − bound: the maximum is above it
  for (std::int64_t r = 0; r < out; ++r) {
    if (!(y[r] >= reach)) continue;
    near.push_back(r);
    bounds.push_back(bound_of(m, half, r));
    floor = std::max(floor, y[r] - bounds.back());
  }
  std::vector<std::int64_t> rows;
  for (std::size_t k = 0; k < near.size(); ++k) {
    if (y[near[k]] + bounds[k] >= floor) rows.push_back(near[k]);
  }
  return rows;
}

}  // namespace lorag::model::quant
