// SPDX-License-Identifier: Apache-2.0
// Gemma 3 self-attention (model/nn): grouped-query attention with RMS-normed
// queries and keys per head and a 1/sqrt(query_pre_attn_scalar) scale.
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

class Gemma3AttentionImpl : public torch::nn::Module {
 public:
  Gemma3AttentionImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);

  // x [B, T, C], cos/sin [B, T, D] → [B, T, C]. `mask` already carries this
  // layer's sliding window, if any. With a cache, attention covers cached keys.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache);

  LoraLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  RmsNorm q_norm{nullptr}, k_norm{nullptr};  // over D, shared by all heads

 private:
  int64_t layer_index_;
  int64_t heads_, kv_heads_, head_dim_;
  double scale_;  // 1/sqrt(query_pre_attn_scalar)
};
TORCH_MODULE(Gemma3Attention);

}  // namespace lorag::model::nn
