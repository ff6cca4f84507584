// SPDX-License-Identifier: Apache-2.0
// lorag's CUDA kernels, inside the plugin (liblorag_cuda.so) only: the rest of
// lorag reaches them through ModelCudaOps (model/cuda/cuda_ops.h).
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>

namespace lorag::model::cuda::plugin {

// See model/cuda/fused_rms_norm.h.
at::Tensor fused_rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, double weight_offset);

// See model/quant/quant_cuda.h (dequantize, matvec).
at::Tensor quant_dequantize(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, c10::ScalarType dtype);
at::Tensor quant_matvec(const at::Tensor& blocks, std::uint32_t type, std::int64_t in, const at::Tensor& x);

}  // namespace lorag::model::cuda::plugin
