// SPDX-License-Identifier: Apache-2.0
// Grouped-query self-attention with rotary embeddings (model/nn), Llama/Mistral/Qwen2.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/config.h"
#include "model/lora_linear.h"
#include "model/nn/attention_mask.h"

namespace lorag::model {
class KvCache;
}

namespace lorag::model::nn {

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);

  // x [B, T, C], cos/sin [B, T, D] → [B, T, C]. With a cache, new keys/values are
  // appended to it and attention covers the cached ones too.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache);

  LoraLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  int64_t layer_index_;
  int64_t heads_, kv_heads_, head_dim_;
  double scale_;  // 1/sqrt(D)
};
TORCH_MODULE(Attention);

}  // namespace lorag::model::nn
