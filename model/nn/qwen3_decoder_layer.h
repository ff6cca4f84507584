// SPDX-License-Identifier: Apache-2.0
// One Qwen3 transformer block (model/nn): Llama's pre-norm layout around the
// q/k-normed attention and the SwiGLU MLP.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/config.h"
#include "model/nn/decoder_block.h"
#include "model/nn/mlp.h"
#include "model/nn/qwen3_attention.h"
#include "model/nn/rms_norm.h"

namespace lorag::model::nn {

class Qwen3DecoderLayerImpl : public DecoderBlock {
 public:
  Qwen3DecoderLayerImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);
  // x [B, T, C] → x + attn(norm(x)), then + mlp(norm(x)); [B, T, C].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache) override;

  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  Qwen3Attention self_attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Qwen3DecoderLayer);

}  // namespace lorag::model::nn
