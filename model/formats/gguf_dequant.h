// SPDX-License-Identifier: Apache-2.0
// Torch-free dequantization of GGUF tensor data to fp32 (model/formats), following
// ggml-quants.c's block layouts and arithmetic so results match ggml bit for bit
// (up to FMA contraction on targets that fuse `d * q - m`).
#pragma once

#include <cstdint>
#include <vector>

#include "model/formats/gguf_tensor_info.h"
#include "model/formats/gguf_type.h"

namespace lorag::model::formats {

// Whether `dequantize_row` handles `type`: f32, f16, bf16, f64, i8, i16, i32,
// q4_0, q4_1, q5_0, q5_1, q8_0, q2_k, q3_k, q4_k, q5_k, q6_k, q8_k.
bool can_dequantize(GgufType type);

// Converts `n_elements` values stored as `type` at `src` (any alignment) into
// `dst[0..n_elements)`. `src` must hold n_elements / block_size blocks. Throws
// FormatError when `type` is unsupported or `n_elements` is not a multiple of the
// type's block size. Thread-safe; `src` and `dst` must not overlap.
void dequantize_row(GgufType type, const void* src, std::int64_t n_elements, float* dst);

// As `dequantize_row`, split by blocks over `n_threads` std::threads (0: the
// hardware concurrency). Checks everything before starting any thread.
void dequantize_tensor(GgufType type, const void* src, std::int64_t n_elements, float* dst, int n_threads = 0);

// Dequantizes a whole tensor of a GgufFile into a new fp32 vector in ggml order
// (dims[0] fastest, i.e. row-major in `torch_shape()`). Throws as above.
std::vector<float> dequantize_tensor(const GgufTensorInfo& tensor, int n_threads = 0);

}  // namespace lorag::model::formats
