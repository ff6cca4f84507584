// SPDX-License-Identifier: Apache-2.0
// The plugin's entry point for model/: the kernel table, empty when the plugin was
// built without nvcc (LORAG_CUDA=OFF: LibTorch's operators alone run on CUDA).
#include "model/cuda/cuda_ops.h"
#include "model/cuda/plugin/kernels.h"

LORAG_PLUGIN_EXPORT const lorag::model::cuda::ModelCudaOps* lorag_cuda_model_ops() {
#ifdef LORAG_CUDA_KERNELS
  namespace k = lorag::model::cuda::plugin;
  static const lorag::model::cuda::ModelCudaOps ops{k::fused_rms_norm, k::quant_dequantize, k::quant_matvec};
#else
  static const lorag::model::cuda::ModelCudaOps ops{};
#endif
  return &ops;
}
