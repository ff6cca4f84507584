// SPDX-License-Identifier: Apache-2.0
// One Phi-1.5/Phi-2 transformer block (model/nn): attention and MLP run in
// parallel on the same LayerNorm output and both add to the residual.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/config.h"
#include "model/nn/decoder_block.h"
#include "model/nn/layer_norm.h"
#include "model/nn/phi_attention.h"
#include "model/nn/phi_mlp.h"

namespace lorag::model::nn {

class PhiDecoderLayerImpl : public DecoderBlock {
 public:
  PhiDecoderLayerImpl(const ModelConfig& config, int64_t layer_index, const torch::TensorOptions& options);
  // x [B, T, C] → x + attn(ln(x)) + mlp(ln(x)); [B, T, C].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const AttentionMask& mask, KvCache* cache) override;

  LayerNorm input_layernorm{nullptr};
  PhiAttention self_attn{nullptr};
  PhiMlp mlp{nullptr};
};
TORCH_MODULE(PhiDecoderLayer);

}  // namespace lorag::model::nn
