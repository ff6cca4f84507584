// SPDX-License-Identifier: Apache-2.0
// One Gemma 3 transformer block (model/nn): norms before and after both the
// attention and the MLP, each (1 + weight)-style RMSNorm.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/config.h"
#include "model/nn/decoder_block.h"
#include "model/nn/gemma3_attention.h"
#include "model/nn/mlp.h"
#include "model/nn/rms_norm.h"

namespace lorag::model::nn {

class Gemma3DecoderLayerImpl : public DecoderBlock {
 public:
  Gemma3DecoderLayerImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);
  // x [B, T, C] → x + post_attn(attn(in(x))), then h + post_ff(mlp(pre_ff(h))).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache) override;

  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  RmsNorm pre_feedforward_layernorm{nullptr}, post_feedforward_layernorm{nullptr};
  Gemma3Attention self_attn{nullptr};
  Mlp mlp{nullptr};  // GeGLU: hidden_activation is gelu_pytorch_tanh
};
TORCH_MODULE(Gemma3DecoderLayer);

}  // namespace lorag::model::nn
