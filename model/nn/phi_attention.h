// SPDX-License-Identifier: Apache-2.0
// Phi-1.5/Phi-2 self-attention (model/nn): q/k/v projections and the `dense`
// output projection, all with biases; rotary on the first rotary_dim() dimensions
// of each head (partial_rotary_factor, 0.4 for Phi-2).
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

class PhiAttentionImpl : public torch::nn::Module {
 public:
  PhiAttentionImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);

  // x [B, T, C], cos/sin [B, T, Dr] → [B, T, C]. With a cache, attention covers cached keys.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache);

  LoraLinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, dense{nullptr};

 private:
  int64_t layer_index_;
  int64_t heads_, kv_heads_, head_dim_;
  double scale_;  // 1/sqrt(D)
};
TORCH_MODULE(PhiAttention);

}  // namespace lorag::model::nn
