// SPDX-License-Identifier: Apache-2.0
// The kernel is in the CUDA plugin (model/cuda/plugin/fused_rms_norm.cu).
#include "model/cuda/fused_rms_norm.h"

#include <c10/util/Exception.h>

#include "model/cuda/cuda_ops.h"

namespace lorag::model::cuda {

bool fused_kernels_available() { return model_ops() != nullptr; }

at::Tensor fused_rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, double weight_offset) {
  const auto* ops = model_ops();
  TORCH_CHECK(ops, "fused_rms_norm: the CUDA plugin (liblorag_cuda.so) is not loaded");
  return ops->fused_rms_norm(x, weight, eps, weight_offset);
}

}  // namespace lorag::model::cuda
