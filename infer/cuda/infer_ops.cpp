// SPDX-License-Identifier: Apache-2.0
// The plugin's entry point for infer/ (compiled into liblorag_cuda.so only).
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>

#include "infer/cuda_ops.h"
#include "model/cuda/cuda_ops.h"

namespace lorag::infer::cuda {
namespace {

class Graph : public CapturedGraph {
 public:
  void replay() override { graph.replay(); }
  at::cuda::CUDAGraph graph;
};

std::unique_ptr<CapturedGraph> capture(const std::function<void()>& step) {
  auto g = std::make_unique<Graph>();
  auto stream = c10::cuda::getStreamFromPool();
  c10::cuda::device_synchronize();
  {
    c10::cuda::CUDAStreamGuard guard(stream);
    step();
    stream.synchronize();
    g->graph.capture_begin();
    step();
    g->graph.capture_end();
  }
  c10::cuda::device_synchronize();
  return g;
}

int64_t peak_memory_bytes() {
  if (!torch::cuda::is_available()) return 0;
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(c10::cuda::current_device());
  return stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)].peak;
}

void reset_peak_memory() {
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::resetPeakStats(c10::cuda::current_device());
}

}  // namespace
}  // namespace lorag::infer::cuda

LORAG_PLUGIN_EXPORT const lorag::infer::InferCudaOps* lorag_cuda_infer_ops() {
  static const lorag::infer::InferCudaOps ops{lorag::infer::cuda::capture, lorag::infer::cuda::peak_memory_bytes,
                                              lorag::infer::cuda::reset_peak_memory};
  return &ops;
}
