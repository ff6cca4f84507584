// SPDX-License-Identifier: Apache-2.0
// The plugin's entry point for model/: the kernel table.
#include "model/cuda/cuda_ops.h"
#include "model/cuda/plugin/kernels.h"

LORAG_PLUGIN_EXPORT const lorag::model::cuda::ModelCudaOps* lorag_cuda_model_ops() {
  namespace k = lorag::model::cuda::kernels;
  static const lorag::model::cuda::ModelCudaOps ops{k::fused_rms_norm, k::quant_dequantize, k::quant_matvec};
  return &ops;
}
