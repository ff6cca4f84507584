// SPDX-License-Identifier: Apache-2.0
// Sanity checks on model configurations (model/), issue #18.
#include "model/config_validate.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "model/core/error.h"
#include "model/formats/gguf_file.h"

namespace lorag::model {
namespace {
using nlohmann::json;

// Fields read as integers; nlohmann's get<int64_t>() truncates 576.5 silently.
constexpr const char* kIntegerFields[] = {
    "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
    "num_key_value_heads", "head_dim", "max_position_embeddings", "sliding_window", "max_window_layers",
    "sliding_window_pattern", "query_pre_attn_scalar", "original_max_position_embeddings", "bos_token_id",
    "pad_token_id", "eos_token_id"};

void check_integer(const json& v, const std::string& name, const std::string& source) {
  if (v.is_array()) {
    for (const auto& item : v) check_integer(item, name, source);
    return;
  }
  if (!v.is_number_float()) return;  // other types are reported by the field reader
  const double d = v.get<double>();
  LORAG_CHECK(std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.007199254740992e15, ConfigError, source,
              ": config field '", name, "' must be a whole number, got ", v.dump());
}

// model_type values transformers pairs with each architecture lorag runs.
const std::map<std::string, std::set<std::string>>& model_types() {
  static const std::map<std::string, std::set<std::string>> kTypes = {
      {"LlamaForCausalLM", {"llama"}},
      {"MistralForCausalLM", {"mistral"}},
      {"Qwen2ForCausalLM", {"qwen2"}},
      {"Gemma3ForCausalLM", {"gemma3_text", "gemma3"}},
      {"Phi3ForCausalLM", {"phi3"}}};
  return kTypes;
}

void check_finite_positive(double v, const char* name) {
  LORAG_CHECK(std::isfinite(v) && v > 0, ConfigError, "config field '", name, "' must be a positive finite number, got ",
              v);
}

void check_token_id(int64_t id, int64_t vocab, const char* name) {
  LORAG_CHECK(id >= -1 && id < vocab, ConfigError, "config field '", name, "' is ", id,
              ", outside the vocabulary [0, ", vocab, ") (vocab_size)");
}
}  // namespace

void check_config_json(const json& j, const std::string& source) {
  if (!j.is_object()) return;
  for (const char* name : kIntegerFields) {
    if (auto it = j.find(name); it != j.end()) check_integer(*it, name, source);
  }
  for (const char* dict : {"rope_scaling", "rope_parameters"}) {
    auto it = j.find(dict);
    if (it == j.end() || !it->is_object()) continue;
    if (auto o = it->find("original_max_position_embeddings"); o != it->end()) {
      check_integer(*o, std::string(dict) + ".original_max_position_embeddings", source);
    }
    // The parser reads an absent factor as 0 (then 1), so an explicit 0 is caught here.
    if (auto f = it->find("factor"); f != it->end() && f->is_number()) {
      LORAG_CHECK(f->get<double>() > 0, ConfigError, source, ": config field '", dict,
                  ".factor' must be positive, got ", f->dump());
    }
  }
  auto arch = j.find("architectures");
  auto type = j.find("model_type");
  if (arch == j.end() || !arch->is_array() || arch->empty() || !(*arch)[0].is_string() || type == j.end() ||
      !type->is_string()) {
    return;
  }
  const auto known = model_types().find((*arch)[0].get<std::string>());
  if (known == model_types().end()) return;  // families added elsewhere carry their own checks
  const auto t = type->get<std::string>();
  LORAG_CHECK(known->second.count(t), ConfigError, source, ": config field 'model_type' is '", t,
              "', which contradicts 'architectures' ", known->first, " (expected '", *known->second.begin(), "')");
}

void check_config_values(const ModelConfig& c) {
  check_finite_positive(c.rope_theta, "rope_theta");
  check_finite_positive(c.rms_norm_eps, "rms_norm_eps");
  LORAG_CHECK(std::isfinite(c.rope_local_base_freq) && c.rope_local_base_freq >= 0, ConfigError,
              "config field 'rope_local_base_freq' must be a finite number >= 0, got ", c.rope_local_base_freq);
  LORAG_CHECK(std::isfinite(c.final_logit_softcapping) && c.final_logit_softcapping >= 0, ConfigError,
              "config field 'final_logit_softcapping' must be a finite number >= 0, got ", c.final_logit_softcapping);
  const auto& s = c.rope_scaling;
  check_finite_positive(s.factor, "rope_scaling.factor");
  LORAG_CHECK(std::isfinite(s.attention_factor) && s.attention_factor >= 0, ConfigError,
              "config field 'rope_scaling.attention_factor' must be a finite number >= 0, got ", s.attention_factor);
  if (s.type == "llama3") {
    check_finite_positive(s.low_freq_factor, "rope_scaling.low_freq_factor");
    check_finite_positive(s.high_freq_factor, "rope_scaling.high_freq_factor");
    LORAG_CHECK(s.high_freq_factor > s.low_freq_factor, ConfigError,
                "config field 'rope_scaling.high_freq_factor' (", s.high_freq_factor,
                ") must exceed 'rope_scaling.low_freq_factor' (", s.low_freq_factor, ")");
  }
  for (const auto* list : {&s.short_factor, &s.long_factor}) {
    for (double f : *list) {
      check_finite_positive(f, list == &s.short_factor ? "rope_scaling.short_factor" : "rope_scaling.long_factor");
    }
  }
  if (s.type == "yarn") {
    check_finite_positive(s.beta_fast, "rope_scaling.beta_fast");
    check_finite_positive(s.beta_slow, "rope_scaling.beta_slow");
  }
  LORAG_CHECK(s.original_max_position_embeddings >= 0, ConfigError,
              "config field 'rope_scaling.original_max_position_embeddings' must be >= 0, got ",
              s.original_max_position_embeddings);
  check_token_id(c.bos_token_id, c.vocab_size, "bos_token_id");
  check_token_id(c.pad_token_id, c.vocab_size, "pad_token_id");
  for (int64_t id : c.eos_token_ids) {
    LORAG_CHECK(id >= 0, ConfigError, "config field 'eos_token_id' is ", id, ", expected a token id >= 0");
    check_token_id(id, c.vocab_size, "eos_token_id");
  }
}

void check_gguf_block_count(const formats::GgufFile& file, int64_t block_count, const std::string& key) {
  // Distinct `blk.N.` prefixes: a file lists its layers' tensors, so a larger
  // count would size a model (and loops) for layers that do not exist.
  std::set<int64_t> blocks;
  for (const auto& info : file.tensors()) {
    if (!info.name.starts_with("blk.")) continue;
    const auto dot = info.name.find('.', 4);
    try {
      blocks.insert(std::stoll(info.name.substr(4, dot - 4)));
    } catch (const std::exception&) {
    }
  }
  const auto present = static_cast<int64_t>(blocks.size());
  // A vocab-only file (no tensors) builds no model; only absurd counts matter there.
  if (file.tensors().empty() && block_count > 0 && block_count <= 4096) return;
  LORAG_CHECK(block_count > 0 && block_count == present && (blocks.empty() || *blocks.rbegin() == present - 1),
              ConfigError, file.name(), ": metadata '", key, "' is ", block_count, " but the file holds tensors for ",
              present, " blocks (blk.0 to blk.", present - 1, ")");
}

}  // namespace lorag::model
