// SPDX-License-Identifier: Apache-2.0
// fp32 -> GGUF storage conversion for the types lorag writes (model/formats):
// f32, f16, bf16, q8_0, q4_0, q4_1, q5_0 and q5_1, bit-exact with ggml's reference
// quantizers (`quantize_row_*_ref`); q4_k, q5_k and q6_k with ggml's reference
// algorithm (gguf_quantize_k.h).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/formats/gguf_type.h"

namespace lorag::model::formats {

// Whether `quantize` handles `type` (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1,
// q4_k, q5_k, q6_k).
bool can_quantize(GgufType type);

// Encodes `values` as `type`, returning the tensor bytes (little-endian). q8_0
// follows ggml's `quantize_row_q8_0_ref` (d = amax / 127 stored as fp16, q =
// roundf(x / d)); f16/bf16 round to nearest even. Throws FormatError when the
// type is unsupported or the count is not a multiple of the block size.
std::vector<std::uint8_t> quantize(GgufType type, std::span<const float> values);

}  // namespace lorag::model::formats
