// SPDX-License-Identifier: Apache-2.0
// The CPU prefill path of QuantizedWeight::matmul (model/quant): x [N, in] · Wᵀ for
// N above the row kernels' reach, W dequantized tile by tile straight into x's dtype
// and multiplied with LibTorch's matmul.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "model/formats/gguf_type.h"

namespace lorag::model::quant {

// y [N, out] = rows [N, in] · Wᵀ, W being `blocks` (contiguous cpu uint8 [out, row
// bytes] of `type`). The output rows are split into one or more tiles per thread;
// each thread dequantizes its own tile (fp32 or bf16, as `rows`; other dtypes through
// fp32) into a buffer that stays in its core's cache and multiplies it there, so
// dequantization and matmul both scale with the threads.
at::Tensor matmul_tiles_cpu(formats::GgufType type, const at::Tensor& blocks, int64_t out, int64_t in,
                            const at::Tensor& rows);

}  // namespace lorag::model::quant
