// SPDX-License-Identifier: Apache-2.0
#include "model/causal_lm.h"

#include <torch/torch.h>

#include "model/core/error.h"
#include "model/kv_cache.h"
#include "model/nn/attention_mask.h"

namespace lorag::model {
namespace {
// A parameter holder so the embedding matrix is named `embed_tokens.weight`.
struct EmbeddingHolder : torch::nn::Module {
  torch::Tensor weight;
  EmbeddingHolder(int64_t vocab, int64_t hidden, const torch::TensorOptions& options) {
    weight = register_parameter("weight", torch::empty({vocab, hidden}, options), false);
  }
};
}  // namespace

DecoderStackImpl::DecoderStackImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  auto holder = std::make_shared<EmbeddingHolder>(c.vocab_size, c.hidden_size, options);
  embed_holder_ = register_module("embed_tokens", holder);
  embed_tokens = holder->weight;
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(DecoderLayer(c, i, options));
  norm = register_module("norm", RmsNorm(c.hidden_size, c.rms_norm_eps, options));
}

CausalLMImpl::CausalLMImpl(const ModelConfig& config, const torch::TensorOptions& options)
    : config_(config), rotary_(config) {
  config.validate();
  model = register_module("model", DecoderStack(config, options));
  if (!config.tie_word_embeddings) {
    lm_head = register_module("lm_head", LoraLinear(config.hidden_size, config.vocab_size, false, options));
  }
}

torch::Tensor CausalLMImpl::hidden_states(const ForwardInput& in) {
  LORAG_CHECK(in.input_ids.dim() == 2, ShapeError, "input_ids must be [B, T], got ", in.input_ids.sizes());
  const int64_t B = in.input_ids.size(0), T = in.input_ids.size(1);
  const int64_t past = in.cache ? in.cache->length() : 0;
  auto positions = in.positions;
  if (!positions.defined()) {
    positions = torch::arange(past, past + T, in.input_ids.options()).unsqueeze(0).expand({B, T});
  }
  // The embedding matrix may be a view updated in place by the loader, so read it each time.
  auto h = torch::embedding(model->embed_tokens, in.input_ids);  // [B, T, C]
  auto [cos, sin] = rotary_.cos_sin(positions, h.scalar_type());  // [B, T, D]
  auto mask = make_attention_mask(past, T, in.key_valid, config_.sliding_window, h.device());
  for (const auto& layer : *model->layers) {
    h = layer->as<DecoderLayer>()->forward(h, cos, sin, mask, in.cache);
  }
  if (in.cache) in.cache->advance(T);
  return model->norm(h);  // [B, T, C]
}

torch::Tensor CausalLMImpl::logits(const torch::Tensor& hidden) {
  return lm_head ? lm_head(hidden) : torch::nn::functional::linear(hidden, model->embed_tokens);  // [B, T, V]
}

torch::Tensor CausalLMImpl::forward(const ForwardInput& in) {
  auto h = hidden_states(in);
  if (in.last_logits_only) h = h.narrow(1, h.size(1) - 1, 1);  // [B, 1, C]: prefill needs one row
  return logits(h);
}

}  // namespace lorag::model
