// SPDX-License-Identifier: Apache-2.0
// Re-encodes a GGUF file's matrices in another block type (model/quant): what
// `lorag quantize` runs, llama.cpp's `llama-quantize` for the types lorag writes.
#pragma once

#include <cstdint>
#include <filesystem>

#include "model/formats/gguf_file.h"
#include "model/formats/gguf_type.h"

namespace lorag::model::quant {

struct RequantizeReport {
  int64_t requantized = 0;  // matrices written as the new type
  int64_t fallback = 0;     // K-quant runs: matrices whose rows are not 256-multiples, written as
                            // llama.cpp's fallback (q4_k → q5_0, q5_k → q5_1, q6_k → q8_0)
  int64_t kept = 0;         // tensors copied as stored (norms, biases, rows that do not fit the blocks)
  uint64_t bytes_in = 0;    // tensor data read
  uint64_t bytes_out = 0;   // tensor data written
};

// Writes `out` (atomically) with `in`'s metadata and tensors in `in`'s order; every
// 2-D `*.weight` matrix whose rows fit `type`'s blocks is dequantized to fp32
// (model/formats) and encoded as `type` with ggml's reference quantizer
// (formats::quantize: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k,
// q6_k); for the K-quants, a matrix whose rows do not fill 256-value blocks takes
// llama.cpp's fallback type instead. All other tensors are copied byte for byte. `general.file_type` becomes llama.cpp's
// LlamaFileType for `type`. Throws UsageError when `type` cannot be written,
// FormatError for a tensor that cannot be dequantized, IoError on write failure.
RequantizeReport requantize_gguf(const formats::GgufFile& in, formats::GgufType type, const std::filesystem::path& out);

}  // namespace lorag::model::quant
