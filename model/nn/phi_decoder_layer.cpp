// SPDX-License-Identifier: Apache-2.0
#include "model/nn/phi_decoder_layer.h"

#include <torch/torch.h>

namespace lorag::model::nn {

PhiDecoderLayerImpl::PhiDecoderLayerImpl(const ModelConfig& c, int64_t layer_index,
                                         const torch::TensorOptions& options) {
  self_attn = register_module("self_attn", PhiAttention(c, layer_index, options));
  mlp = register_module("mlp", PhiMlp(c, options));
  input_layernorm = register_module("input_layernorm", LayerNorm(c.hidden_size, c.rms_norm_eps, options));
}

// PhiDecoderLayer: one norm feeds both branches (resid_pdrop dropout is a no-op
// at inference); transformers sums attn + mlp first, then adds the residual.
torch::Tensor PhiDecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                           const torch::Tensor& sin, const AttentionMask& mask, KvCache* cache) {
  auto h = input_layernorm(x);  // [B, T, C]
  return self_attn(h, cos, sin, mask, cache) + mlp(h) + x;
}

}  // namespace lorag::model::nn
