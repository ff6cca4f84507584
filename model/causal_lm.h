// SPDX-License-Identifier: Apache-2.0
// The decoder-only language model (model/): token embedding, decoder layers,
// final norm and LM head, with parameter names equal to Hugging Face keys
// (`model.layers.3.self_attn.q_proj.weight`, `lm_head.weight`). One class for
// every family; the layers are the family's (see ModelFamily).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <functional>
#include <memory>
#include <vector>

#include "model/config.h"
#include "model/lora_linear.h"
#include "model/nn/layer_norm.h"
#include "model/nn/rms_norm.h"
#include "model/nn/rotary_embedding.h"

namespace lorag::model {

class KvCache;
namespace quant {
class QuantizedWeight;
}

namespace nn {
class DecoderBlock;
struct AttentionMask;
}

// Runs decoder layer `layer` on `h` [B, T, C] with its kind's rotary tables and
// mask, as DecoderBlock::forward without a cache would; training passes one
// that recomputes the layer in backward (gradient checkpointing).
using LayerRunner = std::function<at::Tensor(nn::DecoderBlock& layer, const at::Tensor& h, const at::Tensor& cos,
                                             const at::Tensor& sin, const nn::AttentionMask& mask)>;

// Inputs of one forward pass.
struct ForwardInput {
  at::Tensor input_ids;   // [B, T] int64 on the model's device
  at::Tensor positions;   // [B, T] int64; undefined = cache length (each row's, per-row cache) + arange(T)
  at::Tensor key_valid;   // [B, L] bool, true for real tokens (L = cached + T); undefined = no padding
  KvCache* cache = nullptr;  // appended to and advanced by T when given
  bool last_logits_only = false;  // return [B, 1, V] (prefill for generation)
  // Training (no cache): packed rows attend only within their own example.
  at::Tensor block_mask;  // [B, T, T] bool (query, key), true = may attend; undefined = causal over key_valid
  LayerRunner run_layer;  // runs each decoder layer instead of calling it directly; empty = direct
};

// `model.*`: embeddings, layers and final norm, producing hidden states.
class DecoderStackImpl : public torch::nn::Module {
 public:
  DecoderStackImpl(const ModelConfig& config, const torch::TensorOptions& options);
  torch::Tensor embed_tokens;  // [V, C] registered as `embed_tokens.weight`
  torch::nn::ModuleList layers{nullptr};  // DecoderBlock subclasses of the config's family
  nn::RmsNorm norm{nullptr};               // null for Phi, which has final_layernorm instead
  nn::LayerNorm final_layernorm{nullptr};  // Phi-1.5/Phi-2 only

  // The family's final norm: h [B, T, C] → [B, T, C].
  torch::Tensor final_norm(const torch::Tensor& h);

 private:
  std::shared_ptr<torch::nn::Module> embed_holder_;
};
TORCH_MODULE(DecoderStack);

class CausalLMImpl : public torch::nn::Module {
 public:
  // Builds the architecture with uninitialised weights in `options` (dtype, device);
  // load_model (model/model_loader.h) builds one and loads its weights.
  CausalLMImpl(const ModelConfig& config, const torch::TensorOptions& options);

  // Returns logits [B, T, V] (or [B, 1, V] with last_logits_only) in the model dtype,
  // soft-capped when the config sets final_logit_softcapping.
  torch::Tensor forward(const ForwardInput& input);
  // The final hidden states [B, T, C], before the LM head (training computes the
  // loss from these in chunks).
  torch::Tensor hidden_states(const ForwardInput& input);
  // hidden [B, T, C] → logits [B, T, V] (soft-capped like forward).
  torch::Tensor logits(const torch::Tensor& hidden);

  // input_ids [B, T] → token embeddings [B, T, C] in the model dtype (before any
  // embedding multiplier): a dense lookup, or the quantized embedding's rows.
  torch::Tensor embed(const torch::Tensor& input_ids);

  // Makes `q` ([V, C]) the embedding matrix (GGUF loaded with `--quantized keep`):
  // lookups dequantize the rows they need and a tied LM head runs the quantized
  // kernels; `model.embed_tokens` keeps its shape but no storage of its own.
  // Throws ShapeError on a shape mismatch.
  void set_quantized_embedding(std::shared_ptr<const quant::QuantizedWeight> q);
  const std::shared_ptr<const quant::QuantizedWeight>& quantized_embedding() const { return quantized_embed_; }

  const ModelConfig& config() const { return config_; }
  torch::Device device() const { return model->embed_tokens.device(); }
  torch::ScalarType dtype() const { return model->embed_tokens.scalar_type(); }

  DecoderStack model{nullptr};
  LoraLinear lm_head{nullptr};  // null when tie_word_embeddings; with a bias for Phi

 private:
  ModelConfig config_;
  nn::RotaryEmbedding rotary_;        // full-attention layers (and all layers of most families)
  nn::RotaryEmbedding local_rotary_;  // sliding layers; differs from rotary_ for Gemma 3 only
  std::vector<AttentionKind> layer_kinds_;  // per layer
  std::shared_ptr<const quant::QuantizedWeight> quantized_embed_;  // null: embed_tokens is dense
};
TORCH_MODULE(CausalLM);

}  // namespace lorag::model
