// SPDX-License-Identifier: Apache-2.0
// What the CUDA plugin (liblorag_cuda.so, model/cuda/cuda_plugin.h) offers train/:
// the NCCL process group, which lives in libtorch_cuda. Include only from files
// compiled with the c10d definitions (cmake/LoragDistributed.cmake).
#pragma once

#include <c10/core/Device.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>

namespace lorag::train {

struct NcclOps {
  // Selects `device` as the current CUDA device and creates rank `rank` of
  // `size` of a ProcessGroupNCCL over `store`. Throws what torch throws.
  c10::intrusive_ptr<c10d::Backend> (*make_backend)(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                    std::chrono::milliseconds timeout, c10::DeviceIndex device);
};

inline constexpr char kNcclOpsSymbol[] = "lorag_cuda_nccl_ops";

}  // namespace lorag::train
