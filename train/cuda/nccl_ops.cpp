// SPDX-License-Identifier: Apache-2.0
// The plugin's entry point for train/ (compiled into liblorag_cuda.so only, with
// the c10d and NCCL definitions).
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "model/cuda/cuda_ops.h"
#include "train/nccl_ops.h"

namespace lorag::train::cuda {
namespace {

c10::intrusive_ptr<c10d::Backend> make_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                               std::chrono::milliseconds timeout, c10::DeviceIndex device) {
  c10::cuda::set_device(device);
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}

}  // namespace
}  // namespace lorag::train::cuda

LORAG_PLUGIN_EXPORT const lorag::train::NcclOps* lorag_cuda_nccl_ops() {
  static const lorag::train::NcclOps ops{lorag::train::cuda::make_backend};
  return &ops;
}
