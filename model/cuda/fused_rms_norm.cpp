// SPDX-License-Identifier: Apache-2.0
// The kernel is in the CUDA plugin (model/cuda/plugin/fused_rms_norm.cu).
#include "model/cuda/fused_rms_norm.h"

#include <c10/util/Exception.h>

#include "model/cuda/cuda_ops.h"

namespace lorag::model::cuda {

bool fused_kernels_available() {
  const auto* ops = model_ops();
  return ops && ops->fused_rms_norm;
}

at::Tensor fused_rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, double weight_offset) {
  const auto* ops = model_ops();
  TORCH_CHECK(ops && ops->fused_rms_norm, "fused_rms_norm: no CUDA kernel (the CUDA plugin is not loaded, or was "
              "built without nvcc)");
  return ops->fused_rms_norm(x, weight, eps, weight_offset);
}

}  // namespace lorag::model::cuda
