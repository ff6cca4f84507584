// SPDX-License-Identifier: Apache-2.0
// The decoder-only language model (model/): token embedding, decoder layers,
// final norm and LM head, with parameter names equal to Hugging Face keys
// (`model.layers.3.self_attn.q_proj.weight`, `lm_head.weight`). One class for
// every family; the layers are the family's (see ModelFamily).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <vector>

#include "model/config.h"
#include "model/lora_linear.h"
#include "model/nn/rms_norm.h"
#include "model/nn/rotary_embedding.h"

namespace lorag::model {

class KvCache;

// Inputs of one forward pass.
struct ForwardInput {
  at::Tensor input_ids;   // [B, T] int64 on the model's device
  at::Tensor positions;   // [B, T] int64; undefined = cache length (each row's, per-row cache) + arange(T)
  at::Tensor key_valid;   // [B, L] bool, true for real tokens (L = cached + T); undefined = no padding
  KvCache* cache = nullptr;  // appended to and advanced by T when given
  bool last_logits_only = false;  // return [B, 1, V] (prefill for generation)
};

// `model.*`: embeddings, layers and final norm, producing hidden states.
class DecoderStackImpl : public torch::nn::Module {
 public:
  DecoderStackImpl(const ModelConfig& config, const torch::TensorOptions& options);
  torch::Tensor embed_tokens;  // [V, C] registered as `embed_tokens.weight`
  torch::nn::ModuleList layers{nullptr};  // DecoderBlock subclasses of the config's family
  RmsNorm norm{nullptr};

 private:
  std::shared_ptr<torch::nn::Module> embed_holder_;
};
TORCH_MODULE(DecoderStack);

class CausalLMImpl : public torch::nn::Module {
 public:
  // Builds the architecture with uninitialised weights in `options` (dtype, device);
  // load weights with load_checkpoint (model/checkpoint_loader.h).
  CausalLMImpl(const ModelConfig& config, const torch::TensorOptions& options);

  // Returns logits [B, T, V] (or [B, 1, V] with last_logits_only) in the model dtype,
  // soft-capped when the config sets final_logit_softcapping.
  torch::Tensor forward(const ForwardInput& input);
  // The final hidden states [B, T, C], before the LM head (training computes the
  // loss from these in chunks).
  torch::Tensor hidden_states(const ForwardInput& input);
  // hidden [B, T, C] → logits [B, T, V] (soft-capped like forward).
  torch::Tensor logits(const torch::Tensor& hidden);

  const ModelConfig& config() const { return config_; }
  torch::Device device() const { return model->norm->weight.device(); }
  torch::ScalarType dtype() const { return model->norm->weight.scalar_type(); }

  DecoderStack model{nullptr};
  LoraLinear lm_head{nullptr};  // null when tie_word_embeddings

 private:
  ModelConfig config_;
  RotaryEmbedding rotary_;        // full-attention layers (and all layers of most families)
  RotaryEmbedding local_rotary_;  // sliding layers; differs from rotary_ for Gemma 3 only
  std::vector<AttentionKind> layer_kinds_;  // per layer
};
TORCH_MODULE(CausalLM);

}  // namespace lorag::model
