// SPDX-License-Identifier: Apache-2.0
// What the CUDA plugin (liblorag_cuda.so, model/cuda/cuda_plugin.h) offers infer/:
// CUDA graph capture and the caching allocator's peak counter. Header-only, so
// the plugin shares it without linking lorag_infer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace lorag::infer {

// A captured CUDA graph.
class CapturedGraph {
 public:
  virtual ~CapturedGraph() = default;
  virtual void replay() = 0;
};

struct InferCudaOps {
  // Runs `step` once eagerly on a side stream (warm-up: lazily made tables,
  // kernel choices), then again under capture, as torch.cuda.graphs does.
  std::unique_ptr<CapturedGraph> (*capture)(const std::function<void()>& step);
  // Peak bytes allocated on the current device since the last reset (0 without CUDA).
  int64_t (*peak_memory_bytes)();
  void (*reset_peak_memory)();
};

inline constexpr char kInferOpsSymbol[] = "lorag_cuda_infer_ops";

}  // namespace lorag::infer
