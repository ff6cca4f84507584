// SPDX-License-Identifier: Apache-2.0
// GGUF metadata -> ModelConfig (model/). Key names follow llama.cpp's gguf-py
// `Keys.LLM`/`Keys.Attention`/`Keys.Rope`; the mapping mirrors transformers'
// `GGUF_CONFIG_MAPPING` so a GGUF loads with the config transformers builds for it.
#include "model/gguf_config.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "model/config_validate.h"
#include "model/core/error.h"
#include "model/formats/gguf_dequant.h"

namespace lorag::model {
namespace {
using formats::GgufFile;
using formats::GgufMetadata;

struct ArchInfo {
  const char* architecture;  // config.json "architectures"[0]
  const char* model_type;
  bool qkv_bias;
};

// GGUF architectures lorag runs.
const std::map<std::string, ArchInfo, std::less<>>& known_architectures() {
  static const std::map<std::string, ArchInfo, std::less<>> kArchs = {
      {"llama", {"LlamaForCausalLM", "llama", false}},
      {"qwen2", {"Qwen2ForCausalLM", "qwen2", true}},
      {"gemma3", {"Gemma3ForCausalLM", "gemma3_text", false}},
      {"phi3", {"Phi3ForCausalLM", "phi3", false}},
      {"qwen3", {"Qwen3ForCausalLM", "qwen3", false}},
      {"phi2", {"PhiForCausalLM", "phi", false}},
  };
  return kArchs;
}

// convert_hf_to_gguf.py's `LlamaModel.generate_extra_tensors`: the per-frequency
// divisors of llama3 rope scaling, written as `rope_freqs.weight`.
std::vector<double> llama3_rope_factors(const ModelConfig& c) {
  const auto& s = c.rope_scaling;
  const double old_context = static_cast<double>(s.original_max_position_embeddings);
  const double low_wavelen = old_context / s.low_freq_factor;
  const double high_wavelen = old_context / s.high_freq_factor;
  std::vector<double> factors;
  const int64_t dim = c.head_dim();
  for (int64_t i = 0; i < dim; i += 2) {
    const double freq = 1.0 / std::pow(c.rope_theta, static_cast<double>(i) / static_cast<double>(dim));
    const double wavelen = 2 * std::numbers::pi / freq;
    if (wavelen < high_wavelen) {
      factors.push_back(1.0);
    } else if (wavelen > low_wavelen) {
      factors.push_back(s.factor);
    } else {
      const double smooth = (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      factors.push_back(1.0 / ((1 - smooth) / s.factor + smooth));
    }
  }
  return factors;
}

// llama.cpp stores llama3 scaling only as the factors tensor. Llama 3.1-3.3 all use
// low 1, high 4 and an original context of 8192 (the converter's defaults too), so
// take the largest factor as `factor` and check the whole tensor against it.
void read_llama3_rope(const GgufFile& file, ModelConfig& c) {
  const auto& info = file.tensor("rope_freqs.weight");
  const auto stored = formats::dequantize_tensor(info);
  LORAG_CHECK(!stored.empty(), FormatError, file.name(), ": tensor 'rope_freqs.weight' is empty");
  c.rope_scaling.type = "llama3";
  c.rope_scaling.factor = *std::max_element(stored.begin(), stored.end());
  c.rope_scaling.low_freq_factor = 1.0;
  c.rope_scaling.high_freq_factor = 4.0;
  c.rope_scaling.original_max_position_embeddings = 8192;
  const auto expected = llama3_rope_factors(c);
  LORAG_CHECK(expected.size() == stored.size(), ConfigError, file.name(), ": tensor 'rope_freqs.weight' has ",
              stored.size(), " values, expected head_dim/2 = ", expected.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    LORAG_CHECK(std::abs(stored[i] - expected[i]) <= 1e-4 * expected[i], ConfigError, file.name(),
                ": tensor 'rope_freqs.weight'[", i, "] is ", stored[i], ", expected ", expected[i],
                " for llama3 rope scaling (factor ", c.rope_scaling.factor,
                ", low 1, high 4, original context 8192); other rope factors are not supported");
  }
}

void read_rope_scaling(const GgufFile& file, const std::string& arch, ModelConfig& c) {
  const GgufMetadata& m = file.metadata();
  const std::string type = m.get_string_or(arch + ".rope.scaling.type", "none");
  if (type == "linear") {
    c.rope_scaling.type = "linear";
    c.rope_scaling.factor = m.get_f32(arch + ".rope.scaling.factor");
  } else {
    LORAG_CHECK(type == "none", ConfigError, file.name(), ": metadata '", arch, ".rope.scaling.type' is '", type,
                "', expected none or linear (yarn and longrope are not supported)");
  }
  if (file.find_tensor("rope_freqs.weight")) {
    LORAG_CHECK(type == "none", ConfigError, file.name(), ": both '", arch,
                ".rope.scaling.type' and tensor 'rope_freqs.weight' are set; expected one");
    read_llama3_rope(file, c);
  }
}

// Gemma 3: what GGUF leaves out takes Gemma3TextConfig's defaults, as transformers
// does when it reads the file: one full-attention layer in six, sliding layers on
// rope base 10000 (llama.cpp's default too), GELU-tanh. The attention scale follows
// llama.cpp: 1/sqrt(head_dim), except 1/sqrt(C/H) for the 62-layer 27B.
void read_gemma3(const GgufFile& file, ModelConfig& c) {
  const GgufMetadata& m = file.metadata();
  c.hidden_act = "gelu_pytorch_tanh";
  c.sliding_window = m.get_i64_or("gemma3.attention.sliding_window", 4096);
  c.rope_local_base_freq = m.get_f32_or("gemma3.rope.freq_base_swa", 10000.0f);
  c.query_pre_attn_scalar = c.num_hidden_layers == 62 ? c.hidden_size / c.num_attention_heads : c.head_dim();
  c.final_logit_softcapping = m.get_f32_or("gemma3.final_logit_softcapping", 0.0f);
  c.layer_types.clear();
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    c.layer_types.push_back((i + 1) % 6 == 0 ? "full_attention" : "sliding_attention");
  }
}

// Phi-3: a rotary dimension below the head size is a partial rotary factor
// (Phi-4-mini); longrope keeps its per-frequency divisors in two tensors.
void read_phi3(const GgufFile& file, ModelConfig& c) {
  const GgufMetadata& m = file.metadata();
  c.sliding_window = m.get_i64_or("phi3.attention.sliding_window", 0);
  const int64_t rot = m.get_i64_or("phi3.rope.dimension_count", c.head_dim());
  c.partial_rotary_factor = static_cast<double>(rot) / static_cast<double>(c.head_dim());
  const auto* long_factors = file.find_tensor("rope_factors_long.weight");
  const auto* short_factors = file.find_tensor("rope_factors_short.weight");
  LORAG_CHECK((long_factors == nullptr) == (short_factors == nullptr), FormatError, file.name(),
              ": only one of 'rope_factors_long.weight' and 'rope_factors_short.weight' is present; expected both");
  if (long_factors == nullptr) return;
  auto& s = c.rope_scaling;
  s.type = "longrope";
  s.original_max_position_embeddings = m.get_i64("phi3.rope.scaling.original_context_length");
  s.factor = static_cast<double>(c.max_position_embeddings) / static_cast<double>(s.original_max_position_embeddings);
  s.attention_factor = m.get_f32_or("phi3.rope.scaling.attn_factor", 0.0f);
  for (float v : formats::dequantize_tensor(*long_factors)) s.long_factor.push_back(v);
  for (float v : formats::dequantize_tensor(*short_factors)) s.short_factor.push_back(v);
}

// Phi-2 (convert_hf_to_gguf.py's Phi2Model): LayerNorm epsilon, the rotated
// dimensions per head as rope.dimension_count, biases everywhere, gelu_new. The
// converter writes feed_forward_length as 4·C whatever the model has, so the
// MLP width comes from `blk.0.ffn_up.weight` when present.
void read_phi2(const GgufFile& file, ModelConfig& c) {
  const GgufMetadata& m = file.metadata();
  const int64_t rot = m.get_i64_or("phi2.rope.dimension_count", c.head_dim() / 2);
  c.partial_rotary_factor = static_cast<double>(rot) / static_cast<double>(c.head_dim());
  c.attention_bias = true;
  c.mlp_bias = true;
  c.hidden_act = "gelu_new";
  if (const auto* up = file.find_tensor("blk.0.ffn_up.weight"); up && up->dims.size() == 2) {
    c.intermediate_size = up->dims[1];
  }
}

void read_special_ids(const GgufMetadata& m, ModelConfig& c) {
  c.bos_token_id = m.get_i64_or("tokenizer.ggml.bos_token_id", -1);
  c.pad_token_id = m.get_i64_or("tokenizer.ggml.padding_token_id", -1);
  // llama.cpp ends generation on eos, eot (Llama 3's <|eot_id|>) and eom alike.
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    const int64_t id = m.get_i64_or(key, -1);
    if (id >= 0 && std::find(c.eos_token_ids.begin(), c.eos_token_ids.end(), id) == c.eos_token_ids.end()) {
      c.eos_token_ids.push_back(id);
    }
  }
}
}  // namespace

ModelConfig gguf_model_config(const GgufFile& file) {
  const GgufMetadata& m = file.metadata();
  const std::string arch = m.get_string("general.architecture");
  const auto it = known_architectures().find(arch);
  LORAG_CHECK(it != known_architectures().end(), ConfigError, file.name(), ": unsupported architecture '", arch,
              "' (general.architecture; supported: llama, qwen2, qwen3, gemma3, phi3, phi2)");
  ModelConfig c;
  c.architecture = it->second.architecture;
  c.model_type = it->second.model_type;
  c.qkv_bias = it->second.qkv_bias;
  const std::string p = arch + ".";
  c.max_position_embeddings = m.get_i64(p + "context_length");
  c.hidden_size = m.get_i64(p + "embedding_length");
  c.intermediate_size = m.get_i64(p + "feed_forward_length");
  c.num_hidden_layers = m.get_i64(p + "block_count");
  check_gguf_block_count(file, c.num_hidden_layers, p + "block_count");
  c.num_attention_heads = m.get_i64(p + "attention.head_count");
  c.num_key_value_heads = m.get_i64_or(p + "attention.head_count_kv", c.num_attention_heads);
  // Phi-2 stores a LayerNorm epsilon; the others an RMSNorm one.
  const bool layer_norm = arch == "phi2";
  c.rms_norm_eps = m.get_f32(p + (layer_norm ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon"));
  c.rope_theta = m.get_f32_or(p + "rope.freq_base", 10000.0f);
  // key_length is the head dim when it differs from C/H; for llama the rotary
  // dimension equals it (transformers maps rope.dimension_count to head_dim).
  c.head_dim_override = m.get_i64_or(p + "attention.key_length", 0);
  if (c.head_dim_override == 0 && arch == "llama") c.head_dim_override = m.get_i64_or(p + "rope.dimension_count", 0);
  if (c.head_dim_override * c.num_attention_heads == c.hidden_size) c.head_dim_override = 0;
  // The embedding's rows are what the weights need; the token list can be shorter.
  if (const auto* embd = file.find_tensor("token_embd.weight"); embd && embd->dims.size() == 2) {
    c.vocab_size = embd->dims[1];
  } else {
    c.vocab_size = m.get_i64_or(p + "vocab_size", static_cast<int64_t>(m.get_array_size("tokenizer.ggml.tokens")));
  }
  c.tie_word_embeddings = file.find_tensor("output.weight") == nullptr;
  c.attention_bias = arch == "llama" && file.find_tensor("blk.0.attn_q.bias") != nullptr;
  c.mlp_bias = arch == "llama" && file.find_tensor("blk.0.ffn_up.bias") != nullptr;
  c.torch_dtype = gguf_storage_dtype(file);
  if (arch != "phi3") read_rope_scaling(file, arch, c);
  if (arch == "gemma3") read_gemma3(file, c);
  if (arch == "phi3") read_phi3(file, c);
  if (arch == "phi2") read_phi2(file, c);
  read_special_ids(m, c);
  try {
    c.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(file.name() + ": " + e.what());
  }
  return c;
}

std::string gguf_storage_dtype(const GgufFile& file) {
  std::uint32_t id = 0;
  try {
    id = file.metadata().get_u32_or("general.file_type", 0);
  } catch (const FormatError&) {
    return "float32";  // a mistyped informational key is no reason to refuse the file
  }
  if (id == 1) return "float16";
  if (id == 32) return "bfloat16";
  return "float32";
}

std::string gguf_file_type_name(const GgufFile& file) {
  static const std::map<std::uint32_t, const char*> kNames = {
      {0, "F32"},     {1, "F16"},      {2, "Q4_0"},     {3, "Q4_1"},     {7, "Q8_0"},     {8, "Q5_0"},
      {9, "Q5_1"},    {10, "Q2_K"},    {11, "Q3_K_S"},  {12, "Q3_K_M"},  {13, "Q3_K_L"},  {14, "Q4_K_S"},
      {15, "Q4_K_M"}, {16, "Q5_K_S"},  {17, "Q5_K_M"},  {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"},
      {21, "Q2_K_S"}, {22, "IQ3_XS"},  {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"},  {26, "IQ3_S"},
      {27, "IQ3_M"},  {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"},  {31, "IQ1_M"},   {32, "BF16"},
      {36, "TQ1_0"},  {37, "TQ2_0"},   {1024, "GUESSED"}};
  if (!file.metadata().has("general.file_type")) return "unknown (no general.file_type)";
  std::uint32_t id = 0;
  try {
    id = file.metadata().get_u32("general.file_type");
  } catch (const FormatError&) {
    return "unknown";
  }
  const auto it = kNames.find(id);
  return it != kNames.end() ? it->second : "unknown (" + std::to_string(id) + ")";
}

}  // namespace lorag::model
