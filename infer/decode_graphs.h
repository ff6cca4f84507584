// SPDX-License-Identifier: Apache-2.0
// The engine's decode step captured as CUDA graphs (infer/), one per batch-size
// bucket: static input buffers, the KV cache at full key length, lengths and
// positions read from device tensors, so each step is one graph replay.
#pragma once

#include <ATen/Tensor.h>

#include <map>
#include <memory>

#include "model/causal_lm.h"
#include "model/kv_cache.h"

namespace lorag::infer {

class DecodeGraphs {
 public:
  // Whether the decode step of `net` can be captured: the CUDA plugin loaded,
  // the model on a CUDA device, and frequencies that do not depend on the
  // sequence length (dynamic/longrope read the largest position on the host).
  static bool supported(const model::CausalLM& net);

  // One decode step over cache rows [0, B), every row attending over the whole
  // capacity - 1 (the engine's scratch entry excluded): ids, lengths, positions
  // [B] int64 (any device). The first call for a B runs the step eagerly once
  // (warm-up), then captures it; later calls copy the inputs into the captured
  // buffers and replay. Returns logits [B, V], valid until the next call.
  // Throws what the model throws; c10::Error when capture fails.
  at::Tensor step(model::CausalLM& net, model::KvCache& cache, const at::Tensor& ids, const at::Tensor& lengths,
                  const at::Tensor& positions);

  // Bucketed batch sizes: the next power of two >= `rows`, at most `slots`.
  static int64_t bucket(int64_t rows, int64_t slots);

  DecodeGraphs();
  ~DecodeGraphs();

 private:
  struct Captured;
  std::map<int64_t, std::unique_ptr<Captured>> graphs_;  // by B
};

}  // namespace lorag::infer
