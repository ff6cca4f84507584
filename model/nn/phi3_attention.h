// SPDX-License-Identifier: Apache-2.0
// Phi-3 self-attention (model/nn): one fused `qkv_proj` producing queries,
// keys and values, rotary on the first rotary_dim() dimensions of each head.
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

class Phi3AttentionImpl : public torch::nn::Module {
 public:
  Phi3AttentionImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);

  // x [B, T, C], cos/sin [B, T, Dr] → [B, T, C]. With a cache, attention covers cached keys.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache);

  LoraLinear qkv_proj{nullptr};  // [(H + 2·Hkv)·D, C]: rows are q, then k, then v
  LoraLinear o_proj{nullptr};

 private:
  int64_t layer_index_;
  int64_t heads_, kv_heads_, head_dim_;
  double scale_;  // 1/sqrt(D)
};
TORCH_MODULE(Phi3Attention);

}  // namespace lorag::model::nn
