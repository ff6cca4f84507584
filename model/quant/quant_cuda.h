// SPDX-License-Identifier: Apache-2.0
// GGUF blocks executed on CUDA (model/quant): the same formats as the CPU kernels
// (q4_0, q4_1, q5_0, q5_1, q8_0, q4_k, q5_k, q6_k), read straight from the blocks in
// device memory, so no full-precision copy of the weight exists on the GPU.
// The kernels are in the CUDA plugin (model/cuda/plugin/quant_cuda.cu).
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>

namespace lorag::model::quant::cuda {

// True when the CUDA plugin (model/cuda/cuda_plugin.h) is loaded and has the
// kernels (it was built with nvcc).
bool quant_kernels_available();

// `blocks`: contiguous uint8 [rows, row_bytes] on a CUDA device, each row `in`
// values of ggml type id `type` (one of the eight above). All rows dequantized
// into a dense [rows, in] tensor in `dtype` on the same device, with ggml's
// arithmetic (the CPU reference's, model/formats, to rounding). Throws c10::Error
// for another type, device or shape.
at::Tensor dequantize(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, c10::ScalarType dtype);

// x [N, in] (fp32, same device, contiguous, N small: decode) → x·Wᵀ [N, rows] fp32,
// W dequantized in registers (one warp per output row, fp32 accumulation).
at::Tensor matvec(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, const at::Tensor& x);

}  // namespace lorag::model::quant::cuda
