// SPDX-License-Identifier: Apache-2.0
// Qwen3 and Phi (1.5/2) config.json fields (model/), as transformers'
// Qwen3Config and PhiConfig read them.
#include "model/config_families.h"

#include "model/core/error.h"

namespace lorag::model {
namespace {
using nlohmann::json;

bool present(const json& j, const char* key) { return j.contains(key) && !j[key].is_null(); }

template <typename T>
T value_or(const json& j, const char* key, T fallback, const std::string& source) {
  if (!present(j, key)) return fallback;
  try {
    return j[key].get<T>();
  } catch (const json::exception&) {
    LORAG_FAIL(ConfigError, source, ": field '", key, "' has the wrong type (", j[key].type_name(), "): ",
               j[key].dump());
  }
}

// Qwen3Config: head_dim defaults to 128 (not C/H); the window applies only with
// use_sliding_window, from layer max_window_layers on (as Qwen2).
void read_qwen3(const json& j, ModelConfig& c, const std::string& source) {
  if (!present(j, "model_type")) c.model_type = "qwen3";
  if (!present(j, "head_dim")) c.head_dim_override = 128;
  if (!present(j, "max_position_embeddings")) c.max_position_embeddings = 32768;
  c.qkv_bias = false;
  if (!value_or<bool>(j, "use_sliding_window", false, source)) {
    c.sliding_window = 0;
    return;
  }
  c.sliding_window = value_or<int64_t>(j, "sliding_window", 4096, source);
  if (c.layer_types.empty()) {
    const int64_t first_sliding = value_or<int64_t>(j, "max_window_layers", 28, source);
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
      c.layer_types.push_back(i >= first_sliding ? "sliding_attention" : "full_attention");
    }
  }
}

// PhiConfig: LayerNorm epsilon under its own name, half the head rotated and
// gelu_new unless the file says otherwise, and every Linear with a bias
// (PhiAttention and PhiMLP hard-code bias=True).
void read_phi(const json& j, ModelConfig& c, const std::string& source) {
  if (!present(j, "model_type")) c.model_type = "phi";
  c.rms_norm_eps = value_or<double>(j, "layer_norm_eps", 1e-5, source);
  if (!present(j, "hidden_act")) c.hidden_act = "gelu_new";
  const bool in_rope_parameters = j.contains("rope_parameters") && j["rope_parameters"].is_object() &&
                                  present(j["rope_parameters"], "partial_rotary_factor");
  if (!present(j, "partial_rotary_factor") && !in_rope_parameters) c.partial_rotary_factor = 0.5;
  c.attention_bias = true;
  c.mlp_bias = true;
  if (!present(j, "bos_token_id")) c.bos_token_id = 1;
  if (!j.contains("eos_token_id")) c.eos_token_ids = {2};
  LORAG_CHECK(!value_or<bool>(j, "qk_layernorm", false, source), ConfigError, source,
              ": config field 'qk_layernorm' is true; PhiForCausalLM with q/k LayerNorm is not supported");
}
}  // namespace

void read_family_fields(const json& j, ModelConfig& c, const std::string& source) {
  switch (c.family()) {
    case ModelFamily::kQwen3: read_qwen3(j, c, source); break;
    case ModelFamily::kPhi: read_phi(j, c, source); break;
    default: break;
  }
}

void write_family_fields(const ModelConfig& c, json& j) {
  if (c.family() == ModelFamily::kQwen3) {
    j["use_sliding_window"] = c.sliding_window > 0;
  } else if (c.family() == ModelFamily::kPhi) {
    j.erase("rms_norm_eps");
    j["layer_norm_eps"] = c.rms_norm_eps;
    j["partial_rotary_factor"] = c.partial_rotary_factor;  // PhiConfig's default is 0.5, not 1
    j["qk_layernorm"] = false;
  }
}

}  // namespace lorag::model
