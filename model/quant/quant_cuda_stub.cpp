// SPDX-License-Identifier: Apache-2.0
// Stand-ins for builds without nvcc (LORAG_CUDA=OFF): QuantizedWeight::to checks
// quant_kernels_available() first, so the kernels are never reached.
#ifndef LORAG_WITH_CUDA_KERNELS
#include <c10/util/Exception.h>

#include "model/quant/quant_cuda.h"

namespace lorag::model::quant::cuda {

bool quant_kernels_available() { return false; }

at::Tensor dequantize(const at::Tensor&, std::uint32_t, std::int64_t, c10::ScalarType) {
  TORCH_CHECK(false, "lorag was built without its CUDA kernels (LORAG_CUDA=OFF)");
}

at::Tensor matvec(const at::Tensor&, std::uint32_t, std::int64_t, const at::Tensor&) {
  TORCH_CHECK(false, "lorag was built without its CUDA kernels (LORAG_CUDA=OFF)");
}

}  // namespace lorag::model::quant::cuda
#endif
