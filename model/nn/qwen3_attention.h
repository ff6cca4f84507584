// SPDX-License-Identifier: Apache-2.0
// Qwen3 self-attention (model/nn): Llama's grouped-query attention with an
// RMSNorm over each head's query and key (`q_norm`, `k_norm`) before the rotation.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/config.h"
#include "model/lora_linear.h"
#include "model/nn/attention_mask.h"
#include "model/nn/rms_norm.h"

namespace lorag::model {
class KvCache;
}

namespace lorag::model::nn {

class Qwen3AttentionImpl : public torch::nn::Module {
 public:
  Qwen3AttentionImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);

  // x [B, T, C], cos/sin [B, T, D] → [B, T, C]. With a cache, new keys/values are
  // appended to it and attention covers the cached ones too.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache);

  LoraLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  RmsNorm q_norm{nullptr}, k_norm{nullptr};  // weight [D], shared by all heads

 private:
  int64_t layer_index_;
  int64_t heads_, kv_heads_, head_dim_;
  double scale_;  // 1/sqrt(D)
};
TORCH_MODULE(Qwen3Attention);

}  // namespace lorag::model::nn
