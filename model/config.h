// SPDX-License-Identifier: Apache-2.0
// The model's shape and numerics as read from a checkpoint (model/): config.json
// of a Hugging Face folder, or GGUF metadata mapped onto the same struct.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lorag::model {

// Rotary-embedding scaling as transformers' `rope_scaling` describes it.
struct RopeScaling {
  std::string type = "default";              // "default", "linear", "dynamic", "llama3", "longrope", "yarn"
  double factor = 1.0;                        // e.g. 8.0 for Llama 3.1; longrope: max/original positions, e.g. 32
  double low_freq_factor = 1.0;               // llama3 only, e.g. 1.0
  double high_freq_factor = 4.0;              // llama3 only, e.g. 4.0
  int64_t original_max_position_embeddings = 0;  // tokens, e.g. 8192 (llama3), 4096 (Phi-3); 0 = max_position_embeddings
  std::vector<double> short_factor;           // longrope only: [D_rot/2] divisors used up to the original length
  std::vector<double> long_factor;            // longrope only: [D_rot/2] divisors used past it
  double attention_factor = 0;                // longrope/yarn: cos/sin multiplier, e.g. 1.19; 0 = derived from factor
  double beta_fast = 32;                      // yarn only: rotations where extrapolation ends, e.g. 32
  double beta_slow = 1;                       // yarn only: rotations where interpolation starts, e.g. 1
  double mscale = 0;                          // yarn only: attention_factor numerator scale (DeepSeek), 0 = unset
  double mscale_all_dim = 0;                  // yarn only: attention_factor denominator scale, 0 = unset
  bool truncate = true;                       // yarn only: round the correction range to whole dimensions

  bool operator==(const RopeScaling&) const = default;
};

// Which model code runs a config: Llama covers Mistral and Qwen2, which differ
// only in config values (biases, sliding window). kQwen3 is Llama with per-head
// q/k RMSNorm; kPhi is Phi-1.5/Phi-2 (parallel attention + MLP, LayerNorm).
enum class ModelFamily { kLlama, kGemma3, kPhi3, kQwen3, kPhi };

// Attention span of one layer: every earlier token, or the last `sliding_window`.
enum class AttentionKind { kFull, kSliding };

struct ModelConfig {
  std::string architecture = "LlamaForCausalLM";  // config.json "architectures"[0]
  std::string model_type = "llama";                // e.g. "llama", "mistral", "qwen2"
  int64_t vocab_size = 32000;                      // tokens, e.g. 49152 for SmolLM2
  int64_t hidden_size = 4096;                      // C, e.g. 576
  int64_t intermediate_size = 11008;               // MLP width, e.g. 1536
  int64_t num_hidden_layers = 32;                  // e.g. 30
  int64_t num_attention_heads = 32;                // H, e.g. 9
  int64_t num_key_value_heads = 32;                // Hkv (GQA), e.g. 3
  int64_t head_dim_override = 0;                   // D when config.json sets "head_dim"; 0 = C/H
  int64_t max_position_embeddings = 2048;          // context length in tokens, e.g. 8192
  double rope_theta = 10000.0;                     // rotary base, e.g. 100000
  RopeScaling rope_scaling;                        // rotary scaling, default none
  double rms_norm_eps = 1e-6;                      // norm epsilon, e.g. 1e-5 (Phi: config.json "layer_norm_eps")
  bool tie_word_embeddings = false;                // lm_head shares embed_tokens.weight
  bool attention_bias = false;                     // q/k/v/o biases (Llama "attention_bias")
  bool qkv_bias = false;                           // q/k/v biases only (Qwen2)
  bool mlp_bias = false;                           // gate/up/down biases
  std::string hidden_act = "silu";                 // MLP activation
  int64_t sliding_window = 0;                      // tokens, e.g. 4096 (Mistral); 0 = full attention
  int64_t bos_token_id = -1;                       // -1 when absent
  std::vector<int64_t> eos_token_ids;              // one or several, e.g. {128001, 128009}
  int64_t pad_token_id = -1;                       // -1 when absent
  std::string torch_dtype = "float32";             // dtype the weights were saved in, e.g. "bfloat16"
  // Per layer "full_attention" or "sliding_attention" (Gemma 3, Qwen2), e.g. five
  // sliding then one full; empty = every layer slides when sliding_window > 0 (Mistral, Phi-3).
  std::vector<std::string> layer_types;
  double rope_local_base_freq = 0;                 // rotary base of sliding layers (Gemma 3), e.g. 10000; 0 = rope_theta
  double partial_rotary_factor = 1.0;              // fraction of D that is rotated, e.g. 0.75 (Phi-4-mini)
  int64_t query_pre_attn_scalar = 0;               // attention scale is 1/sqrt(this) (Gemma 3), e.g. 256; 0 = D
  double final_logit_softcapping = 0;              // logits = cap·tanh(logits/cap), e.g. 30.0; 0 = none
  // Read and written back only: transformers' Gemma3Attention never applies it
  // (Gemma 3 replaced soft-capping by q/k norms), so lorag does not either.
  double attn_logit_softcapping = 0;

  int64_t head_dim() const { return head_dim_override > 0 ? head_dim_override : hidden_size / num_attention_heads; }
  // Rotated dimensions of each head, D·partial_rotary_factor (even), e.g. 96 of 128.
  int64_t rotary_dim() const { return static_cast<int64_t>(head_dim() * partial_rotary_factor); }
  ModelFamily family() const;
  AttentionKind attention_kind(int64_t layer) const;
  // The softmax temperature: 1/sqrt(query_pre_attn_scalar), or 1/sqrt(D) when unset.
  double attention_scale() const;
  // What token embeddings are multiplied by: sqrt(C) for Gemma, 1 otherwise.
  double embedding_multiplier() const;
  // Tokens the model can attend over: max_position_embeddings, stretched by the
  // factor for dynamic NTK scaling, whose point is to run past it.
  int64_t context_length() const {
    return rope_scaling.type == "dynamic" ? static_cast<int64_t>(max_position_embeddings * rope_scaling.factor)
                                          : max_position_embeddings;
  }
  // Query heads per key/value head (GQA group size).
  int64_t kv_groups() const { return num_attention_heads / num_key_value_heads; }

  // Throws ConfigError naming the field and value when inconsistent.
  void validate() const;

  bool operator==(const ModelConfig&) const = default;

 private:
  void validate_layer_types() const;
  void validate_rope() const;
};

// Architectures lorag runs, as config.json names them.
const std::vector<std::string>& supported_architectures();

// Parses a config.json object. `source` names the file in error messages.
// Reads both the form transformers 5 writes (`rope_parameters`, per layer type
// for Gemma 3) and the older one (`rope_theta`, `rope_scaling`,
// `rope_local_base_freq`, `sliding_window_pattern`); absent fields take the
// defaults of the architecture's transformers config class.
// Throws ConfigError ("unsupported architecture X (supported: ...)", missing or
// mistyped fields naming the field).
ModelConfig parse_model_config(const nlohmann::json& json, const std::string& source);

// Reads `dir`/config.json. Throws IoError when missing, FormatError on bad JSON.
ModelConfig load_model_config(const std::filesystem::path& dir);

// Serialises back to a config.json that transformers loads (for `lorag convert` / `merge`).
nlohmann::json to_json(const ModelConfig& config);

}  // namespace lorag::model
