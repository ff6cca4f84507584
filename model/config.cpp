// SPDX-License-Identifier: Apache-2.0
// config.json → ModelConfig (model/).
#include "model/config.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "model/core/atomic_file.h"
#include "model/core/error.h"

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

RopeScaling parse_rope_scaling(const json& j, const std::string& source) {
  RopeScaling s;
  // transformers ≥4.45 writes rope_parameters/rope_scaling with "rope_type"; older "type".
  const json* r = nullptr;
  if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) r = &j["rope_scaling"];
  if (!r) return s;
  s.type = field<std::string>(*r, "rope_type", field<std::string>(*r, "type", "default", source), source);
  s.factor = field<double>(*r, "factor", 1.0, source);
  s.low_freq_factor = field<double>(*r, "low_freq_factor", 1.0, source);
  s.high_freq_factor = field<double>(*r, "high_freq_factor", 4.0, source);
  s.original_max_position_embeddings = field<int64_t>(*r, "original_max_position_embeddings", 0, source);
  static const std::vector<std::string> kKnown = {"default", "linear", "dynamic", "llama3"};
  LORAG_CHECK(std::find(kKnown.begin(), kKnown.end(), s.type) != kKnown.end(), ConfigError, source,
              ": rope_scaling type '", s.type, "' is not supported (supported: ", join(kKnown), ")");
  return s;
}
}  // namespace

const std::vector<std::string>& supported_architectures() {
  static const std::vector<std::string> kArchitectures = {"LlamaForCausalLM", "MistralForCausalLM",
                                                          "Qwen2ForCausalLM"};
  return kArchitectures;
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
  LORAG_CHECK(head_dim() % 2 == 0, ConfigError, "head_dim must be even for rotary embeddings, got ", head_dim());
  LORAG_CHECK(rms_norm_eps > 0, ConfigError, "config field 'rms_norm_eps' must be positive, got ", rms_norm_eps);
  LORAG_CHECK(rope_theta > 0, ConfigError, "config field 'rope_theta' must be positive, got ", rope_theta);
  LORAG_CHECK(hidden_act == "silu", ConfigError, "config field 'hidden_act' is '", hidden_act,
              "', expected 'silu' for ", architecture);
}

ModelConfig parse_model_config(const json& j, const std::string& source) {
  LORAG_CHECK(j.is_object(), FormatError, source, ": expected a JSON object, got ", j.type_name());
  ModelConfig c;
  auto archs = field<std::vector<std::string>>(j, "architectures", {}, source);
  LORAG_CHECK(!archs.empty(), ConfigError, source, ": missing field 'architectures' (supported: ",
              join(supported_architectures()), ")");
  c.architecture = archs.front();
  const auto& known = supported_architectures();
  LORAG_CHECK(std::find(known.begin(), known.end(), c.architecture) != known.end(), ConfigError, source,
              ": unsupported architecture ", c.architecture, " (supported: ", join(known), ")");
  c.model_type = field<std::string>(j, "model_type", "llama", source);
  c.vocab_size = required<int64_t>(j, "vocab_size", source);
  c.hidden_size = required<int64_t>(j, "hidden_size", source);
  c.intermediate_size = required<int64_t>(j, "intermediate_size", source);
  c.num_hidden_layers = required<int64_t>(j, "num_hidden_layers", source);
  c.num_attention_heads = required<int64_t>(j, "num_attention_heads", source);
  c.num_key_value_heads = field<int64_t>(j, "num_key_value_heads", c.num_attention_heads, source);
  c.head_dim_override = field<int64_t>(j, "head_dim", 0, source);
  c.max_position_embeddings = field<int64_t>(j, "max_position_embeddings", 2048, source);
  // transformers 5 nests rope_theta under rope_parameters; older configs keep it top-level.
  c.rope_theta = field<double>(j, "rope_theta", 10000.0, source);
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
    const auto& rp = j["rope_parameters"];
    c.rope_theta = field<double>(rp, "rope_theta", c.rope_theta, source);
    json wrapped = {{"rope_scaling", rp}};
    c.rope_scaling = parse_rope_scaling(wrapped, source);
  } else {
    c.rope_scaling = parse_rope_scaling(j, source);
  }
  c.rms_norm_eps = field<double>(j, "rms_norm_eps", 1e-6, source);
  c.tie_word_embeddings = field<bool>(j, "tie_word_embeddings", false, source);
  c.attention_bias = field<bool>(j, "attention_bias", false, source);
  c.qkv_bias = c.architecture == "Qwen2ForCausalLM";  // Qwen2 always has q/k/v biases
  c.mlp_bias = field<bool>(j, "mlp_bias", false, source);
  c.hidden_act = field<std::string>(j, "hidden_act", "silu", source);
  c.sliding_window = field<int64_t>(j, "sliding_window", 0, source);
  if (c.architecture == "Qwen2ForCausalLM" && !field<bool>(j, "use_sliding_window", false, source)) {
    c.sliding_window = 0;  // Qwen2 writes a window but only uses it when use_sliding_window is set
  }
  c.bos_token_id = field<int64_t>(j, "bos_token_id", -1, source);
  c.eos_token_ids = id_list(j, "eos_token_id", source);
  c.pad_token_id = field<int64_t>(j, "pad_token_id", -1, source);
  c.torch_dtype = field<std::string>(j, "torch_dtype", field<std::string>(j, "dtype", "float32", source), source);
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
  json j;
  try {
    j = json::parse(read_file(path));
  } catch (const json::parse_error& e) {
    LORAG_FAIL(FormatError, path.string(), ": invalid JSON: ", e.what());
  }
  return parse_model_config(j, path.string());
}

json to_json(const ModelConfig& c) {
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
            {"hidden_act", c.hidden_act},
            {"torch_dtype", c.torch_dtype}};
  if (c.rope_scaling.type != "default") {
    j["rope_scaling"] = {{"rope_type", c.rope_scaling.type}, {"factor", c.rope_scaling.factor}};
    if (c.rope_scaling.type == "llama3") {
      j["rope_scaling"]["low_freq_factor"] = c.rope_scaling.low_freq_factor;
      j["rope_scaling"]["high_freq_factor"] = c.rope_scaling.high_freq_factor;
    }
    if (c.rope_scaling.original_max_position_embeddings > 0)
      j["rope_scaling"]["original_max_position_embeddings"] = c.rope_scaling.original_max_position_embeddings;
  }
  if (c.sliding_window > 0) j["sliding_window"] = c.sliding_window;
  if (c.bos_token_id >= 0) j["bos_token_id"] = c.bos_token_id;
  if (c.eos_token_ids.size() == 1) j["eos_token_id"] = c.eos_token_ids[0];
  else if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids;
  if (c.pad_token_id >= 0) j["pad_token_id"] = c.pad_token_id;
  return j;
}

}  // namespace lorag::model
