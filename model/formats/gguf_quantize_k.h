// SPDX-License-Identifier: Apache-2.0
// The K-quant encoders behind formats::quantize (model/formats): `n_blocks` blocks
// of 256 values from `x` into `out` (144, 176 or 210 bytes a block), ggml's
// reference quantizers without an importance matrix.
#pragma once

#include <cstdint>

namespace lorag::model::formats::detail {

void quantize_q4_k(const float* x, std::int64_t n_blocks, std::uint8_t* out);
void quantize_q5_k(const float* x, std::int64_t n_blocks, std::uint8_t* out);
void quantize_q6_k(const float* x, std::int64_t n_blocks, std::uint8_t* out);

}  // namespace lorag::model::formats::detail
