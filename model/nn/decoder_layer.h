// SPDX-License-Identifier: Apache-2.0
// One pre-norm transformer block of Llama/Mistral/Qwen2 (model/nn):
// x + attn(norm(x)), then + mlp(norm(x)).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/nn/attention.h"
#include "model/nn/decoder_block.h"
#include "model/nn/mlp.h"
#include "model/nn/rms_norm.h"

namespace lorag::model::nn {

class DecoderLayerImpl : public DecoderBlock {
 public:
  DecoderLayerImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);
  // x [B, T, C] → [B, T, C].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache) override;

  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  Attention self_attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(DecoderLayer);

}  // namespace lorag::model::nn
