// SPDX-License-Identifier: Apache-2.0
#include "infer/decode_graphs.h"

#include <torch/torch.h>

#if __has_include(<ATen/cuda/CUDAGraph.h>) && defined(LORAG_WITH_CUDA_KERNELS)
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#define LORAG_CUDA_GRAPHS 1
#else
#define LORAG_CUDA_GRAPHS 0
#endif

#include "model/core/error.h"

namespace lorag::infer {
namespace {

// The step itself, on whatever buffers it is given: [B, 1] ids/positions, [B] lengths.
at::Tensor forward_step(model::CausalLM& net, model::KvCache& cache, const at::Tensor& ids,
                        const at::Tensor& lengths, const at::Tensor& positions) {
  cache.use_rows(0, lengths, cache.capacity() - 1);
  auto logits = net->forward({.input_ids = ids, .positions = positions, .cache = &cache}).select(1, 0);  // [B, V]
  cache.clear_rows();
  return logits;
}

}  // namespace

struct DecodeGraphs::Captured {
#if LORAG_CUDA_GRAPHS
  at::cuda::CUDAGraph graph;
#endif
  at::Tensor ids, lengths, positions;  // static inputs [B, 1], [B], [B, 1]
  at::Tensor logits;                   // static output [B, V]
};

DecodeGraphs::DecodeGraphs() = default;
DecodeGraphs::~DecodeGraphs() = default;

bool DecodeGraphs::supported(const model::CausalLM& net) {
  const auto& rope = net->config().rope_scaling.type;
  return LORAG_CUDA_GRAPHS && net->device().is_cuda() && rope != "dynamic" && rope != "longrope";
}

int64_t DecodeGraphs::bucket(int64_t rows, int64_t slots) {
  int64_t b = 1;
  while (b < rows) b *= 2;
  return std::min(b, slots);
}

at::Tensor DecodeGraphs::step(model::CausalLM& net, model::KvCache& cache, const at::Tensor& ids,
                              const at::Tensor& lengths, const at::Tensor& positions) {
#if LORAG_CUDA_GRAPHS
  const int64_t B = ids.size(0);
  auto& slot = graphs_[B];
  if (!slot) {
    auto g = std::make_unique<Captured>();
    const auto options = torch::TensorOptions().dtype(torch::kInt64).device(net->device());
    g->ids = ids.to(options).view({B, 1}).clone();
    g->lengths = lengths.to(options).clone();
    g->positions = positions.to(options).view({B, 1}).clone();
    // Capture on a side stream, after a warm-up there (lazily made tables, kernel
    // choices), as torch.cuda.graphs does. The warm-up writes the same keys and
    // values the replay will write, so it changes nothing.
    auto stream = c10::cuda::getStreamFromPool();
    c10::cuda::device_synchronize();
    {
      c10::cuda::CUDAStreamGuard guard(stream);
      forward_step(net, cache, g->ids, g->lengths, g->positions);
      stream.synchronize();
      g->graph.capture_begin();
      g->logits = forward_step(net, cache, g->ids, g->lengths, g->positions);
      g->graph.capture_end();
    }
    c10::cuda::device_synchronize();
    slot = std::move(g);
  } else {
    slot->ids.copy_(ids.view({B, 1}));
    slot->lengths.copy_(lengths);
    slot->positions.copy_(positions.view({B, 1}));
  }
  slot->graph.replay();
  return slot->logits;
#else
  (void)net, (void)cache, (void)ids, (void)lengths, (void)positions;
  LORAG_FAIL(InternalError, "cuda graphs are not available in this build");
#endif
}

}  // namespace lorag::infer
