// SPDX-License-Identifier: Apache-2.0
#include "model/causal_lm.h"

#include <torch/torch.h>

#include <array>

#include "model/core/error.h"
#include "model/kv_cache.h"
#include "model/nn/attention_mask.h"
#include "model/nn/decoder_layer.h"
#include "model/nn/gemma3_decoder_layer.h"
#include "model/nn/phi3_decoder_layer.h"
#include "model/nn/phi_decoder_layer.h"
#include "model/nn/qwen3_decoder_layer.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/quantized_weight.h"

namespace lorag::model {
namespace {
// A parameter holder so the embedding matrix is named `embed_tokens.weight`.
struct EmbeddingHolder : torch::nn::Module {
  torch::Tensor weight;
  EmbeddingHolder(int64_t vocab, int64_t hidden, const torch::TensorOptions& options) {
    weight = register_parameter("weight", torch::empty({vocab, hidden}, options), false);
  }
};

// The family switch: the one place that knows which layer class a config runs.
std::shared_ptr<nn::DecoderBlock> make_layer(const ModelConfig& c, int64_t i, const torch::TensorOptions& options) {
  switch (c.family()) {
    case ModelFamily::kGemma3: return nn::Gemma3DecoderLayer(c, i, options).ptr();
    case ModelFamily::kPhi3: return nn::Phi3DecoderLayer(c, i, options).ptr();
    case ModelFamily::kQwen3: return nn::Qwen3DecoderLayer(c, i, options).ptr();
    case ModelFamily::kPhi: return nn::PhiDecoderLayer(c, i, options).ptr();
    case ModelFamily::kLlama: break;
  }
  return nn::DecoderLayer(c, i, options).ptr();
}

// What the layers of one attention kind share in a forward pass.
struct KindInputs {
  torch::Tensor cos, sin;  // [B, T, Dr]
  nn::AttentionMask mask;
  bool used = false;
};

// cos/sin [B, T, Dr] for `positions`. Rows of the engine's per-row cache are
// separate sequences: under dynamic/longrope scaling each gets the frequencies
// of its own length, as when it runs alone (the engine's batch invariance).
std::pair<torch::Tensor, torch::Tensor> rotary_tables(nn::RotaryEmbedding& rotary, const torch::Tensor& positions,
                                                      torch::ScalarType dtype, bool per_row) {
  if (!per_row || !rotary.length_dependent() || positions.size(0) == 1) return rotary.cos_sin(positions, dtype);
  std::vector<torch::Tensor> cos, sin;
  for (int64_t b = 0; b < positions.size(0); ++b) {
    auto [c, s] = rotary.cos_sin(positions.narrow(0, b, 1), dtype);  // [1, T, Dr]
    cos.push_back(c);
    sin.push_back(s);
  }
  return {torch::cat(cos), torch::cat(sin)};  // [B, T, Dr]
}
}  // namespace

DecoderStackImpl::DecoderStackImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  auto holder = std::make_shared<EmbeddingHolder>(c.vocab_size, c.hidden_size, options);
  embed_holder_ = register_module("embed_tokens", holder);
  embed_tokens = holder->weight;
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(make_layer(c, i, options));
  if (c.family() == ModelFamily::kPhi) {
    final_layernorm = register_module("final_layernorm", nn::LayerNorm(c.hidden_size, c.rms_norm_eps, options));
    return;
  }
  const auto weighting =
      c.family() == ModelFamily::kGemma3 ? nn::NormWeighting::kOnePlusWeight : nn::NormWeighting::kWeight;
  norm = register_module("norm", nn::RmsNorm(c.hidden_size, c.rms_norm_eps, options, weighting));
}

torch::Tensor DecoderStackImpl::final_norm(const torch::Tensor& h) {
  return final_layernorm ? final_layernorm(h) : norm(h);
}

CausalLMImpl::CausalLMImpl(const ModelConfig& config, const torch::TensorOptions& options)
    : config_(config), rotary_(config), local_rotary_(config, AttentionKind::kSliding) {
  config.validate();
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layer_kinds_.push_back(config.attention_kind(i));
  model = register_module("model", DecoderStack(config, options));
  if (!config.tie_word_embeddings) {
    const bool bias = config.family() == ModelFamily::kPhi;  // PhiForCausalLM's lm_head has bias=True
    lm_head = register_module("lm_head", LoraLinear(config.hidden_size, config.vocab_size, bias, options));
  }
}

torch::Tensor CausalLMImpl::hidden_states(const ForwardInput& in) {
  LORAG_CHECK(in.input_ids.dim() == 2, ShapeError, "input_ids must be [B, T], got ", in.input_ids.sizes());
  const int64_t B = in.input_ids.size(0), T = in.input_ids.size(1);
  const int64_t past = in.cache ? in.cache->length() : 0;
  LORAG_CHECK(!in.cache || (!in.block_mask.defined() && !in.run_layer), Error,
              "forward: block_mask and run_layer are for training, without a KV cache");
  auto positions = in.positions;
  if (!positions.defined() && in.cache && in.cache->per_row()) {
    positions = in.cache->row_lengths().unsqueeze(1) + torch::arange(T, in.input_ids.options());  // [B, T]
  } else if (!positions.defined()) {
    positions = torch::arange(past, past + T, in.input_ids.options()).unsqueeze(0).expand({B, T});
  }
  // The embedding matrix may be a view updated in place by the loader, so read it each time.
  auto h = embed(in.input_ids);  // [B, T, C]
  if (const double multiplier = config_.embedding_multiplier(); multiplier != 1.0) {
    // Gemma: transformers rounds sqrt(C) to the model dtype first (55.4 becomes 55.5 in bf16).
    h = h * torch::scalar_tensor(multiplier, torch::kFloat32).to(h.scalar_type());
  }
  // Rotary tables and mask once per attention kind the model has (Gemma 3 mixes both).
  std::array<KindInputs, 2> kinds;
  for (auto kind : layer_kinds_) {
    auto& k = kinds[static_cast<size_t>(kind)];
    if (k.used) continue;
    const bool sliding = kind == AttentionKind::kSliding;
    const int64_t window = sliding ? config_.sliding_window : 0;
    std::tie(k.cos, k.sin) = rotary_tables(sliding ? local_rotary_ : rotary_, positions, h.scalar_type(),
                                           in.cache && in.cache->per_row());
    k.mask = in.block_mask.defined()                ? nn::make_block_attention_mask(in.block_mask, window)
             : in.cache && in.cache->per_row() ? nn::make_row_attention_mask(in.cache->row_lengths(), T,
                                                                         in.cache->key_length(), window)
                                               : nn::make_attention_mask(past, T, in.key_valid, window, h.device());
    k.used = true;
  }
  for (size_t i = 0; i < model->layers->size(); ++i) {
    const auto& k = kinds[static_cast<size_t>(layer_kinds_[i])];
    auto* layer = model->layers[i]->as<nn::DecoderBlock>();
    h = in.run_layer ? in.run_layer(*layer, h, k.cos, k.sin, k.mask) : layer->forward(h, k.cos, k.sin, k.mask, in.cache);
  }
  if (in.cache) in.cache->advance(T);
  return model->final_norm(h);  // [B, T, C]
}

torch::Tensor CausalLMImpl::logits(const torch::Tensor& hidden) {
  const quant::kernels::ScopedExactArgmax exact_head;  // greedy picks as with fp32 x (quant_dot.h)
  auto out = lm_head           ? lm_head(hidden)                                            // [B, T, V]
             : quantized_embed_ ? quant::quantized_linear(hidden, quantized_embed_, {})        // [B, T, V]
                                : torch::nn::functional::linear(hidden, model->embed_tokens);  // [B, T, V]
  if (const double cap = config_.final_logit_softcapping; cap > 0) out = torch::tanh(out / cap) * cap;
  return out;
}

torch::Tensor CausalLMImpl::embed(const torch::Tensor& input_ids) {
  if (quantized_embed_) return quantized_embed_->embedding(input_ids, dtype());  // [B, T, C]
  return torch::embedding(model->embed_tokens, input_ids);                      // [B, T, C]
}

void CausalLMImpl::set_quantized_embedding(std::shared_ptr<const quant::QuantizedWeight> q) {
  auto& embed = model->embed_tokens;  // [V, C]
  LORAG_CHECK(q && q->out_features() == embed.size(0) && q->in_features() == embed.size(1), ShapeError,
              "quantized embedding is [", q ? q->out_features() : 0, ", ", q ? q->in_features() : 0, "], expected ",
              embed.sizes());
  torch::NoGradGuard no_grad;
  // As LoraLinear::set_quantized_base: same shape, dtype, device; one element of storage.
  embed.set_data(torch::zeros({1, 1}, embed.options()).expand(embed.sizes()));
  quantized_embed_ = std::move(q);
}

torch::Tensor CausalLMImpl::forward(const ForwardInput& in) {
  auto h = hidden_states(in);
  if (in.last_logits_only) h = h.narrow(1, h.size(1) - 1, 1);  // [B, 1, C]: prefill needs one row
  return logits(h);
}

}  // namespace lorag::model
