// SPDX-License-Identifier: Apache-2.0
#include "infer/device_memory.h"

#include "infer/cuda_ops.h"
#include "model/cuda/cuda_plugin.h"

namespace lorag::infer {

int64_t peak_device_memory_bytes() {
  const auto* ops = model::cuda::plugin_ops<InferCudaOps>(kInferOpsSymbol);
  return ops ? ops->peak_memory_bytes() : 0;
}

void reset_peak_device_memory() {
  if (const auto* ops = model::cuda::plugin_ops<InferCudaOps>(kInferOpsSymbol)) ops->reset_peak_memory();
}

}  // namespace lorag::infer
