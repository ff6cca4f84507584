// SPDX-License-Identifier: Apache-2.0
// Stand-ins for builds without nvcc (LORAG_CUDA=OFF): callers check
// fused_kernels_available() first, so the kernels are never reached.
#ifndef LORAG_WITH_CUDA_KERNELS
#include <c10/util/Exception.h>

#include "model/cuda/fused_rms_norm.h"

namespace lorag::model::cuda {

bool fused_kernels_available() { return false; }

at::Tensor fused_rms_norm(const at::Tensor&, const at::Tensor&, double, double) {
  TORCH_CHECK(false, "lorag was built without its CUDA kernels (LORAG_CUDA=OFF)");
}

}  // namespace lorag::model::cuda
#endif
