// SPDX-License-Identifier: Apache-2.0
#include "model/nn/gemma3_decoder_layer.h"

#include <torch/torch.h>

namespace lorag::model::nn {

Gemma3DecoderLayerImpl::Gemma3DecoderLayerImpl(const ModelConfig& c, int64_t layer_index,
                                               const torch::TensorOptions& options) {
  auto norm = [&](const char* name) {
    return register_module(name, RmsNorm(c.hidden_size, c.rms_norm_eps, options, NormWeighting::kOnePlusWeight));
  };
  self_attn = register_module("self_attn", Gemma3Attention(c, layer_index, options));
  mlp = register_module("mlp", Mlp(c, options));
  input_layernorm = norm("input_layernorm");
  post_attention_layernorm = norm("post_attention_layernorm");
  pre_feedforward_layernorm = norm("pre_feedforward_layernorm");
  post_feedforward_layernorm = norm("post_feedforward_layernorm");
}

torch::Tensor Gemma3DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                              const torch::Tensor& sin, const AttentionMask& mask,
                                              KvCache* cache) {
  auto h = x + post_attention_layernorm(self_attn(input_layernorm(x), cos, sin, mask, cache));
  return h + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(h)));
}

}  // namespace lorag::model::nn
