// SPDX-License-Identifier: Apache-2.0
// config.json → ModelConfig (model/).
#include "model/config.h"
#include "model/config_families.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "model/config_validate.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"

namespace lorag::model {
namespace {
using nlohmann::json;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Reads an optional field, converting to T; a wrong type names the field.
template <typename T>
T field(const json& j, const char* key, T fallback, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    LORAG_FAIL(ConfigError, source, ": field '", key, "' has the wrong type (", it->type_name(), "): ", it->dump());
  }
}

template <typename T>
T required(const json& j, const char* key, const std::string& source) {
  LORAG_CHECK(j.contains(key) && !j[key].is_null(), ConfigError, source, ": missing field '", key, "'");
  return field<T>(j, key, T{}, source);
}

std::vector<int64_t> id_list(const json& j, const char* key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_array()) return field<std::vector<int64_t>>(j, key, {}, source);
  return {field<int64_t>(j, key, -1, source)};
}

const json* object_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

// One flat rope dict (`rope_scaling`, or `rope_parameters` of transformers ≥4.45,
// which says "rope_type" where older files say "type"). `where` names it in errors.
RopeScaling parse_rope_dict(const json& r, ModelFamily family, const std::string& where, const std::string& source) {
  RopeScaling s;
  s.type = field<std::string>(r, "rope_type", field<std::string>(r, "type", "default", source), source);
  // Phi-3 checkpoints call longrope "su" (and "yarn"); Phi3Config renames both.
  if (family == ModelFamily::kPhi3 && (s.type == "su" || s.type == "yarn")) s.type = "longrope";
  s.factor = field<double>(r, "factor", 0.0, source);  // 0 = absent, resolved in read_rope
  s.low_freq_factor = field<double>(r, "low_freq_factor", 1.0, source);
  s.high_freq_factor = field<double>(r, "high_freq_factor", 4.0, source);
  s.original_max_position_embeddings = field<int64_t>(r, "original_max_position_embeddings", 0, source);
  s.short_factor = field<std::vector<double>>(r, "short_factor", {}, source);
  s.long_factor = field<std::vector<double>>(r, "long_factor", {}, source);
  s.attention_factor = field<double>(r, "attention_factor", 0.0, source);
  s.beta_fast = field<double>(r, "beta_fast", 32.0, source);
  s.beta_slow = field<double>(r, "beta_slow", 1.0, source);
  s.mscale = field<double>(r, "mscale", 0.0, source);
  s.mscale_all_dim = field<double>(r, "mscale_all_dim", 0.0, source);
  s.truncate = field<bool>(r, "truncate", true, source);
  static const std::vector<std::string> kKnown = {"default", "linear", "dynamic", "llama3", "longrope", "yarn"};
  LORAG_CHECK(std::find(kKnown.begin(), kKnown.end(), s.type) != kKnown.end(), ConfigError, source, ": ", where,
              " type '", s.type, "' is not supported (supported: ", join(kKnown), ")");
  return s;
}

// rope_theta, rope_scaling, rope_local_base_freq and partial_rotary_factor, from
// whichever of the old top-level fields and transformers 5's `rope_parameters`
// (flat, or per layer type for Gemma 3) the file has.
void read_rope(const json& j, ModelConfig& c, const std::string& source) {
  const ModelFamily family = c.family();
  const bool gemma = family == ModelFamily::kGemma3;
  c.rope_theta = field<double>(j, "rope_theta", gemma ? 1e6 : 10000.0, source);
  if (gemma) c.rope_local_base_freq = field<double>(j, "rope_local_base_freq", 10000.0, source);
  c.partial_rotary_factor = field<double>(j, "partial_rotary_factor", 1.0, source);
  const json* scaling = object_at(j, "rope_scaling");
  std::string where = "rope_scaling";
  if (const json* rp = object_at(j, "rope_parameters")) {
    const json* local = object_at(*rp, "sliding_attention");
    const json* global = object_at(*rp, "full_attention");
    if (local) {
      c.rope_local_base_freq = field<double>(*local, "rope_theta", c.rope_local_base_freq, source);
      auto local_scaling = parse_rope_dict(*local, family, "rope_parameters.sliding_attention", source);
      LORAG_CHECK(local_scaling.type == "default", ConfigError, source, ": rope_parameters.sliding_attention type '",
                  local_scaling.type, "' is not supported (supported: default)");
    }
    if (!local && !global) global = rp;  // one dict for every layer
    if (global) {
      c.rope_theta = field<double>(*global, "rope_theta", c.rope_theta, source);
      c.partial_rotary_factor = field<double>(*global, "partial_rotary_factor", c.partial_rotary_factor, source);
      scaling = global;
      where = global == rp ? "rope_parameters" : "rope_parameters.full_attention";
    }
  }
  if (!scaling) return;
  auto& s = c.rope_scaling;
  s = parse_rope_dict(*scaling, family, where, source);
  if (s.type == "longrope") {
    // Phi3Config keeps the pretraining length top-level (default 4096), and
    // transformers lets that win over the one in the rope dict.
    if (family == ModelFamily::kPhi3) {
      s.original_max_position_embeddings = field<int64_t>(j, "original_max_position_embeddings", 4096, source);
    } else if (s.original_max_position_embeddings == 0) {
      s.original_max_position_embeddings = c.max_position_embeddings;
    }
    // _compute_longrope_parameters: an absent factor is the context extension ratio.
    if (s.factor == 0 && s.original_max_position_embeddings > 0) {
      s.factor = static_cast<double>(c.max_position_embeddings) / s.original_max_position_embeddings;
    }
  }
  if (s.type == "yarn") {
    // standardize_rope_params / _compute_yarn_parameters: the original length
    // defaults to max_position_embeddings, an absent factor to the ratio of the two.
    if (s.original_max_position_embeddings == 0) s.original_max_position_embeddings = c.max_position_embeddings;
    if (s.factor == 0 && s.original_max_position_embeddings > 0) {
      s.factor = static_cast<double>(c.max_position_embeddings) / s.original_max_position_embeddings;
    }
  }
  if (s.factor == 0) s.factor = 1.0;
}

// Per-layer attention kinds. transformers 5 writes `layer_types`; older Gemma 3
// files give a period instead (every `sliding_window_pattern`-th layer is full)
// and older Qwen2 files slide from layer `max_window_layers` on.
std::vector<std::string> read_layer_types(const json& j, const ModelConfig& c, const std::string& source) {
  auto types = field<std::vector<std::string>>(j, "layer_types", {}, source);
  if (!types.empty()) return types;
  if (c.family() == ModelFamily::kGemma3) {
    const int64_t pattern =
        field<int64_t>(j, "sliding_window_pattern", field<int64_t>(j, "_sliding_window_pattern", 6, source), source);
    LORAG_CHECK(pattern > 0, ConfigError, source, ": config field 'sliding_window_pattern' must be positive, got ",
                pattern);
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
      types.push_back((i + 1) % pattern ? "sliding_attention" : "full_attention");
    }
  } else if (c.architecture == "Qwen2ForCausalLM" && c.sliding_window > 0) {
    const int64_t first_sliding = field<int64_t>(j, "max_window_layers", 28, source);
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
      types.push_back(i >= first_sliding ? "sliding_attention" : "full_attention");
    }
  }
  return types;
}
}  // namespace

const std::vector<std::string>& supported_architectures() {
  static const std::vector<std::string> kArchitectures = {"LlamaForCausalLM", "MistralForCausalLM",
                                                          "Qwen2ForCausalLM", "Gemma3ForCausalLM",
                                                          "Phi3ForCausalLM", "Qwen3ForCausalLM",
                                                          "PhiForCausalLM"};
  return kArchitectures;
}

ModelFamily ModelConfig::family() const {
  if (architecture == "Gemma3ForCausalLM") return ModelFamily::kGemma3;
  if (architecture == "Phi3ForCausalLM") return ModelFamily::kPhi3;
  if (architecture == "Qwen3ForCausalLM") return ModelFamily::kQwen3;
  if (architecture == "PhiForCausalLM") return ModelFamily::kPhi;
  return ModelFamily::kLlama;
}

AttentionKind ModelConfig::attention_kind(int64_t layer) const {
  if (sliding_window <= 0) return AttentionKind::kFull;
  if (layer_types.empty()) return AttentionKind::kSliding;
  return layer_types.at(layer) == "sliding_attention" ? AttentionKind::kSliding : AttentionKind::kFull;
}

double ModelConfig::attention_scale() const {
  const int64_t scalar = query_pre_attn_scalar > 0 ? query_pre_attn_scalar : head_dim();
  return 1.0 / std::sqrt(static_cast<double>(scalar));
}

double ModelConfig::embedding_multiplier() const {
  return family() == ModelFamily::kGemma3 ? std::sqrt(static_cast<double>(hidden_size)) : 1.0;
}

void ModelConfig::validate() const {
  auto positive = [](int64_t v, const char* name) {
    LORAG_CHECK(v > 0, ConfigError, "config field '", name, "' must be positive, got ", v);
  };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(intermediate_size, "intermediate_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(num_key_value_heads, "num_key_value_heads");
  positive(max_position_embeddings, "max_position_embeddings");
  LORAG_CHECK(num_attention_heads % num_key_value_heads == 0, ConfigError,
              "config field 'num_attention_heads' (", num_attention_heads,
              ") must be a multiple of 'num_key_value_heads' (", num_key_value_heads, ")");
  LORAG_CHECK(head_dim_override > 0 || hidden_size % num_attention_heads == 0, ConfigError,
              "config field 'hidden_size' (", hidden_size, ") is not divisible by 'num_attention_heads' (",
              num_attention_heads, ") and no 'head_dim' is given");
  LORAG_CHECK(partial_rotary_factor > 0 && partial_rotary_factor <= 1, ConfigError,
              "config field 'partial_rotary_factor' must be in (0, 1], got ", partial_rotary_factor);
  LORAG_CHECK(rotary_dim() % 2 == 0, ConfigError, "rotary dimensions (head_dim ", head_dim(),
              " x partial_rotary_factor ", partial_rotary_factor, ") must be even, got ", rotary_dim());
  LORAG_CHECK(rms_norm_eps > 0, ConfigError, "config field 'rms_norm_eps' must be positive, got ", rms_norm_eps);
  LORAG_CHECK(rope_theta > 0, ConfigError, "config field 'rope_theta' must be positive, got ", rope_theta);
  LORAG_CHECK(hidden_act == "silu" || hidden_act == "gelu_pytorch_tanh" || hidden_act == "gelu_new", ConfigError,
              "config field '", family() == ModelFamily::kGemma3 ? "hidden_activation" : "hidden_act", "' is '",
              hidden_act, "', expected 'silu', 'gelu_pytorch_tanh' or 'gelu_new' for ", architecture);
  validate_layer_types();
  validate_rope();
  check_config_values(*this);
}

void ModelConfig::validate_layer_types() const {
  LORAG_CHECK(layer_types.empty() || static_cast<int64_t>(layer_types.size()) == num_hidden_layers, ConfigError,
              "config field 'layer_types' has ", layer_types.size(), " entries, expected num_hidden_layers = ",
              num_hidden_layers);
  for (size_t i = 0; i < layer_types.size(); ++i) {
    const auto& t = layer_types[i];
    LORAG_CHECK(t == "full_attention" || t == "sliding_attention", ConfigError, "config field 'layer_types'[", i,
                "] is '", t, "', expected 'full_attention' or 'sliding_attention'");
    LORAG_CHECK(t == "full_attention" || sliding_window > 0, ConfigError, "config field 'layer_types'[", i,
                "] is 'sliding_attention' but 'sliding_window' is not set");
  }
}

void ModelConfig::validate_rope() const {
  const auto& s = rope_scaling;
  LORAG_CHECK(family() != ModelFamily::kPhi3 || s.type == "default" || s.type == "longrope", ConfigError,
              "config field 'rope_scaling' type '", s.type, "' is not supported for ", architecture,
              " (supported: default, longrope)");
  if (s.type == "longrope") {
    const size_t half = static_cast<size_t>(rotary_dim() / 2);
    LORAG_CHECK(s.short_factor.size() == half && s.long_factor.size() == half, ConfigError,
                "config field 'rope_scaling' (longrope) has short_factor of ", s.short_factor.size(),
                " and long_factor of ", s.long_factor.size(), " values, expected rotary_dim/2 = ", half, " each");
    LORAG_CHECK(s.original_max_position_embeddings > 0, ConfigError,
                "config field 'original_max_position_embeddings' must be positive for longrope, got ",
                s.original_max_position_embeddings);
  }
  LORAG_CHECK(s.factor > 0, ConfigError, "config field 'rope_scaling.factor' must be positive, got ", s.factor);
}

ModelConfig parse_model_config(const json& j, const std::string& source) {
  LORAG_CHECK(j.is_object(), FormatError, source, ": expected a JSON object, got ", j.type_name());
  check_config_json(j, source);
  ModelConfig c;
  auto archs = field<std::vector<std::string>>(j, "architectures", {}, source);
  LORAG_CHECK(!archs.empty(), ConfigError, source, ": missing field 'architectures' (supported: ",
              join(supported_architectures()), ")");
  c.architecture = archs.front();
  const auto& known = supported_architectures();
  LORAG_CHECK(std::find(known.begin(), known.end(), c.architecture) != known.end(), ConfigError, source,
              ": unsupported architecture ", c.architecture, " (supported: ", join(known), ")");
  const bool gemma = c.family() == ModelFamily::kGemma3;
  const bool phi3 = c.family() == ModelFamily::kPhi3;
  c.model_type = field<std::string>(j, "model_type", gemma ? "gemma3_text" : phi3 ? "phi3" : "llama", source);
  c.vocab_size = required<int64_t>(j, "vocab_size", source);
  c.hidden_size = required<int64_t>(j, "hidden_size", source);
  c.intermediate_size = required<int64_t>(j, "intermediate_size", source);
  c.num_hidden_layers = required<int64_t>(j, "num_hidden_layers", source);
  c.num_attention_heads = required<int64_t>(j, "num_attention_heads", source);
  c.num_key_value_heads = field<int64_t>(j, "num_key_value_heads", c.num_attention_heads, source);
  // Gemma3TextConfig's defaults, which the real gemma-3-1b-it config.json relies on
  // (it has no tie_word_embeddings).
  c.head_dim_override = field<int64_t>(j, "head_dim", gemma ? 256 : 0, source);
  c.max_position_embeddings = field<int64_t>(j, "max_position_embeddings", gemma ? 131072 : phi3 ? 4096 : 2048,
                                             source);
  read_rope(j, c, source);
  c.rms_norm_eps = field<double>(j, "rms_norm_eps", phi3 ? 1e-5 : 1e-6, source);
  c.tie_word_embeddings = field<bool>(j, "tie_word_embeddings", gemma, source);
  c.attention_bias = field<bool>(j, "attention_bias", false, source);
  c.qkv_bias = c.architecture == "Qwen2ForCausalLM";  // Qwen2 always has q/k/v biases
  c.mlp_bias = field<bool>(j, "mlp_bias", false, source);
  c.hidden_act = gemma ? field<std::string>(j, "hidden_activation", "gelu_pytorch_tanh", source)
                       : field<std::string>(j, "hidden_act", "silu", source);
  c.sliding_window = field<int64_t>(j, "sliding_window", gemma ? 4096 : 0, source);
  if (c.architecture == "Qwen2ForCausalLM" && !field<bool>(j, "use_sliding_window", false, source)) {
    c.sliding_window = 0;  // Qwen2 writes a window but only uses it when use_sliding_window is set
  }
  c.layer_types = read_layer_types(j, c, source);
  LORAG_CHECK(!field<bool>(j, "use_bidirectional_attention", false, source), ConfigError, source,
              ": config field 'use_bidirectional_attention' is true; only causal language models are supported");
  if (gemma) c.query_pre_attn_scalar = field<int64_t>(j, "query_pre_attn_scalar", 256, source);
  c.final_logit_softcapping = field<double>(j, "final_logit_softcapping", 0.0, source);
  c.attn_logit_softcapping = field<double>(j, "attn_logit_softcapping", 0.0, source);
  c.bos_token_id = field<int64_t>(j, "bos_token_id", gemma ? 2 : phi3 ? 1 : -1, source);
  c.eos_token_ids = id_list(j, "eos_token_id", source);
  if (c.eos_token_ids.empty() && !j.contains("eos_token_id") && (gemma || phi3)) c.eos_token_ids = {gemma ? 1 : 32000};
  c.pad_token_id = field<int64_t>(j, "pad_token_id", gemma ? 0 : phi3 ? 32000 : -1, source);
  c.torch_dtype = field<std::string>(j, "torch_dtype", field<std::string>(j, "dtype", "float32", source), source);
  read_family_fields(j, c, source);
  try {
    c.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(source + ": " + e.what());
  }
  return c;
}

ModelConfig load_model_config(const std::filesystem::path& dir) {
  const auto path = dir / "config.json";
  LORAG_CHECK(std::filesystem::exists(path), IoError, path.string(),
              ": not found (expected a Hugging Face model folder with config.json)");
  json j = read_json_file(path);
  return parse_model_config(j, path.string());
}

namespace {
json rope_scaling_json(const RopeScaling& s) {
  json r = {{"rope_type", s.type}, {"factor", s.factor}};
  if (s.type == "llama3") {
    r["low_freq_factor"] = s.low_freq_factor;
    r["high_freq_factor"] = s.high_freq_factor;
  }
  if (s.type == "longrope") {
    r["short_factor"] = s.short_factor;
    r["long_factor"] = s.long_factor;
    if (s.attention_factor > 0) r["attention_factor"] = s.attention_factor;
  }
  if (s.type == "yarn") {
    r["beta_fast"] = s.beta_fast;
    r["beta_slow"] = s.beta_slow;
    if (s.attention_factor > 0) r["attention_factor"] = s.attention_factor;
    if (s.mscale > 0) r["mscale"] = s.mscale;
    if (s.mscale_all_dim > 0) r["mscale_all_dim"] = s.mscale_all_dim;
    if (!s.truncate) r["truncate"] = false;
  }
  if (s.original_max_position_embeddings > 0) {
    r["original_max_position_embeddings"] = s.original_max_position_embeddings;
  }
  return r;
}
}  // namespace

json to_json(const ModelConfig& c) {
  // Rope settings go in the older top-level form (rope_theta, rope_scaling,
  // rope_local_base_freq), which transformers 4.4x and 5 both read.
  json j = {{"architectures", {c.architecture}},
            {"model_type", c.model_type},
            {"vocab_size", c.vocab_size},
            {"hidden_size", c.hidden_size},
            {"intermediate_size", c.intermediate_size},
            {"num_hidden_layers", c.num_hidden_layers},
            {"num_attention_heads", c.num_attention_heads},
            {"num_key_value_heads", c.num_key_value_heads},
            {"head_dim", c.head_dim()},
            {"max_position_embeddings", c.max_position_embeddings},
            {"rope_theta", c.rope_theta},
            {"rms_norm_eps", c.rms_norm_eps},
            {"tie_word_embeddings", c.tie_word_embeddings},
            {"attention_bias", c.attention_bias},
            {"mlp_bias", c.mlp_bias},
            {c.family() == ModelFamily::kGemma3 ? "hidden_activation" : "hidden_act", c.hidden_act},
            {"torch_dtype", c.torch_dtype}};
  if (c.rope_scaling.type != "default") j["rope_scaling"] = rope_scaling_json(c.rope_scaling);
  if (c.family() == ModelFamily::kPhi3 && c.rope_scaling.type == "longrope") {
    j["original_max_position_embeddings"] = c.rope_scaling.original_max_position_embeddings;  // Phi3Config reads it here
  }
  if (c.rope_local_base_freq > 0) j["rope_local_base_freq"] = c.rope_local_base_freq;
  if (c.partial_rotary_factor != 1.0) j["partial_rotary_factor"] = c.partial_rotary_factor;
  if (c.query_pre_attn_scalar > 0) j["query_pre_attn_scalar"] = c.query_pre_attn_scalar;
  if (c.final_logit_softcapping > 0) j["final_logit_softcapping"] = c.final_logit_softcapping;
  if (c.attn_logit_softcapping > 0) j["attn_logit_softcapping"] = c.attn_logit_softcapping;
  if (!c.layer_types.empty()) j["layer_types"] = c.layer_types;
  if (c.sliding_window > 0) {
    j["sliding_window"] = c.sliding_window;
    if (c.architecture == "Qwen2ForCausalLM") j["use_sliding_window"] = true;
  }
  if (c.bos_token_id >= 0) j["bos_token_id"] = c.bos_token_id;
  if (c.eos_token_ids.size() == 1) j["eos_token_id"] = c.eos_token_ids[0];
  else if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids;
  if (c.pad_token_id >= 0) j["pad_token_id"] = c.pad_token_id;
  write_family_fields(c, j);
  return j;
}

}  // namespace lorag::model
