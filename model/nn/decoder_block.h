// SPDX-License-Identifier: Apache-2.0
// What every family's decoder layer offers the model (model/nn), so the model
// runs a list of Llama, Gemma 3 or Phi-3 layers through one loop.
#pragma once

#include <torch/nn/module.h>

#include "model/nn/attention_mask.h"

namespace lorag::model {
class KvCache;
}

namespace lorag::model::nn {

class DecoderBlock : public torch::nn::Module {
 public:
  // x [B, T, C] → [B, T, C]. cos/sin [B, T, Dr] and `mask` are the ones of this
  // layer's attention kind (full or sliding). With a cache, the layer's new
  // keys/values are appended to it; the model advances it once all layers ran.
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                const AttentionMask& mask, KvCache* cache) = 0;
};

}  // namespace lorag::model::nn
