// SPDX-License-Identifier: Apache-2.0
#include "infer/decode_graphs.h"

#include <torch/torch.h>

#include "infer/cuda_ops.h"
#include "model/core/error.h"
#include "model/cuda/cuda_plugin.h"

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

// Graph capture is in the CUDA plugin; null while it is not loaded.
const InferCudaOps* cuda_ops() { return model::cuda::plugin_ops<InferCudaOps>(kInferOpsSymbol); }

}  // namespace

struct DecodeGraphs::Captured {
  std::unique_ptr<CapturedGraph> graph;
  at::Tensor ids, lengths, positions;  // static inputs [B, 1], [B], [B, 1]
  at::Tensor logits;                   // static output [B, V]
};

DecodeGraphs::DecodeGraphs() = default;
DecodeGraphs::~DecodeGraphs() = default;

bool DecodeGraphs::supported(const model::CausalLM& net) {
  const auto& rope = net->config().rope_scaling.type;
  return net->device().is_cuda() && cuda_ops() != nullptr && rope != "dynamic" && rope != "longrope";
}

int64_t DecodeGraphs::bucket(int64_t rows, int64_t slots) {
  int64_t b = 1;
  while (b < rows) b *= 2;
  return std::min(b, slots);
}

at::Tensor DecodeGraphs::step(model::CausalLM& net, model::KvCache& cache, const at::Tensor& ids,
                              const at::Tensor& lengths, const at::Tensor& positions) {
  const auto* ops = cuda_ops();
  LORAG_CHECK(ops, InternalError, "cuda graphs need the CUDA plugin, which is not loaded");
  const int64_t B = ids.size(0);
  auto& slot = graphs_[B];
  if (!slot) {
    auto g = std::make_unique<Captured>();
    const auto options = torch::TensorOptions().dtype(torch::kInt64).device(net->device());
    g->ids = ids.to(options).view({B, 1}).clone();
    g->lengths = lengths.to(options).clone();
    g->positions = positions.to(options).view({B, 1}).clone();
    // The warm-up run writes the same keys and values the replay will write, so
    // it changes nothing; the captured run leaves the static output in g->logits.
    g->graph = ops->capture([&] { g->logits = forward_step(net, cache, g->ids, g->lengths, g->positions); });
    slot = std::move(g);
  } else {
    slot->ids.copy_(ids.view({B, 1}));
    slot->lengths.copy_(lengths);
    slot->positions.copy_(positions.view({B, 1}));
  }
  slot->graph->replay();
  return slot->logits;
}

}  // namespace lorag::infer
