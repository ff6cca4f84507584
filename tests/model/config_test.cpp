// SPDX-License-Identifier: Apache-2.0
// config.json parsing: errors name what is wrong, real model configs read as
// transformers reads them, and to_json round-trips.
#include "model/config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
using nlohmann::json;

json tiny_llama() {
  return {{"architectures", {"LlamaForCausalLM"}}, {"vocab_size", 320},        {"hidden_size", 64},
          {"intermediate_size", 112},              {"num_hidden_layers", 2},   {"num_attention_heads", 4},
          {"num_key_value_heads", 2}};
}

// The message of the ConfigError parsing `j` throws ("" when it does not throw).
std::string config_error(const json& j) {
  try {
    model::parse_model_config(j, "x/config.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfig, UnsupportedArchitectureListsTheSupportedOnes) {
  auto j = tiny_llama();
  j["architectures"] = {"FalconForCausalLM"};
  auto message = config_error(j);
  EXPECT_NE(message.find("x/config.json: unsupported architecture FalconForCausalLM"), std::string::npos) << message;
  for (const auto& arch : model::supported_architectures()) {
    EXPECT_NE(message.find(arch), std::string::npos) << arch << " missing from: " << message;
  }
  EXPECT_NE(message.find("Gemma3ForCausalLM"), std::string::npos);
  EXPECT_NE(message.find("Phi3ForCausalLM"), std::string::npos);
}

TEST(ModelConfig, MissingFieldIsNamed) {
  auto j = tiny_llama();
  j.erase("hidden_size");
  EXPECT_NE(config_error(j).find("missing field 'hidden_size'"), std::string::npos) << config_error(j);
  j = tiny_llama();
  j.erase("architectures");
  EXPECT_NE(config_error(j).find("missing field 'architectures'"), std::string::npos) << config_error(j);
}

TEST(ModelConfig, BadValuesAreNamed) {
  auto expect_error = [](json j, const std::string& key, json value, const std::string& needle) {
    j[key] = value;
    auto message = config_error(j);
    EXPECT_NE(message.find(needle), std::string::npos) << key << " = " << value << ": " << message;
  };
  expect_error(tiny_llama(), "hidden_size", "wide", "field 'hidden_size' has the wrong type");
  expect_error(tiny_llama(), "num_key_value_heads", 3, "'num_key_value_heads' (3)");
  expect_error(tiny_llama(), "hidden_act", "relu", "'hidden_act' is 'relu'");
  expect_error(tiny_llama(), "rope_scaling", {{"rope_type", "ntk"}, {"factor", 4.0}}, "type 'ntk' is not supported");
  auto gemma = tiny_llama();
  gemma["architectures"] = {"Gemma3ForCausalLM"};
  expect_error(gemma, "layer_types", {"full_attention"}, "'layer_types' has 1 entries, expected num_hidden_layers = 2");
  expect_error(gemma, "layer_types", {"full_attention", "local"}, "'layer_types'[1] is 'local'");
  expect_error(gemma, "hidden_activation", "gelu", "'hidden_activation' is 'gelu'");
  auto phi3 = tiny_llama();
  phi3["architectures"] = {"Phi3ForCausalLM"};
  expect_error(phi3, "rope_scaling", {{"type", "longrope"}, {"short_factor", {1.0}}, {"long_factor", {1.0}}},
               "short_factor of 1 and long_factor of 1 values, expected rotary_dim/2 = 8");
  expect_error(phi3, "rope_scaling", {{"rope_type", "linear"}, {"factor", 2.0}}, "type 'linear' is not supported");
  expect_error(phi3, "partial_rotary_factor", 1.5, "'partial_rotary_factor' must be in (0, 1], got 1.5");
}

// transformers_view.json holds what transformers' config class read from the file.
void expect_matches_transformers(const model::ModelConfig& c, const json& view) {
  EXPECT_EQ(c.hidden_size, view["hidden_size"].get<int64_t>());
  EXPECT_EQ(c.num_hidden_layers, view["num_hidden_layers"].get<int64_t>());
  EXPECT_EQ(c.num_attention_heads, view["num_attention_heads"].get<int64_t>());
  EXPECT_EQ(c.num_key_value_heads, view["num_key_value_heads"].get<int64_t>());
  EXPECT_EQ(c.intermediate_size, view["intermediate_size"].get<int64_t>());
  EXPECT_EQ(c.vocab_size, view["vocab_size"].get<int64_t>());
  EXPECT_EQ(c.max_position_embeddings, view["max_position_embeddings"].get<int64_t>());
  EXPECT_EQ(c.rms_norm_eps, view["rms_norm_eps"].get<double>());
  EXPECT_EQ(c.sliding_window, view["sliding_window"].get<int64_t>());
  EXPECT_EQ(c.tie_word_embeddings, view["tie_word_embeddings"].get<bool>());
  EXPECT_EQ(c.bos_token_id, view["bos_token_id"].get<int64_t>());
  EXPECT_EQ(c.pad_token_id, view["pad_token_id"].get<int64_t>());
  EXPECT_EQ(c.hidden_act, view["hidden_act"].get<std::string>());
  EXPECT_EQ(c.rope_theta, view["rope_theta"].get<double>());
  EXPECT_EQ(c.rope_scaling.type, view["rope_type"].get<std::string>());
  EXPECT_EQ(c.rope_local_base_freq, view["rope_local_base_freq"].get<double>());
  if (!view["head_dim"].is_null()) EXPECT_EQ(c.head_dim(), view["head_dim"].get<int64_t>());
  if (!view["query_pre_attn_scalar"].is_null()) {
    EXPECT_EQ(c.query_pre_attn_scalar, view["query_pre_attn_scalar"].get<int64_t>());
  }
  if (view["layer_types"].is_array()) EXPECT_EQ(c.layer_types, view["layer_types"].get<std::vector<std::string>>());
}

void expect_round_trip(model::ModelConfig c) {
  auto again = model::parse_model_config(model::to_json(c), "round trip");
  c.head_dim_override = c.head_dim();  // to_json always spells head_dim out
  EXPECT_TRUE(again == c) << model::to_json(c).dump() << "\nreads back as\n" << model::to_json(again).dump();
}

TEST(ModelConfig, Gemma3OneBReadsAsTransformersDoes) {
  const auto dir = fixture("configs/gemma-3-1b-it");
  auto c = model::load_model_config(dir);
  expect_matches_transformers(c, read_json(dir / "transformers_view.json"));
  EXPECT_EQ(c.family(), model::ModelFamily::kGemma3);
  EXPECT_EQ(c.head_dim(), 256);
  EXPECT_DOUBLE_EQ(c.attention_scale(), 1.0 / 16);
  EXPECT_DOUBLE_EQ(c.embedding_multiplier(), std::sqrt(1152.0));
  EXPECT_TRUE(c.tie_word_embeddings);  // absent from the file: Gemma3TextConfig's default
  EXPECT_EQ(c.hidden_act, "gelu_pytorch_tanh");
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{1, 106}));
  ASSERT_EQ(c.layer_types.size(), 26u);
  EXPECT_EQ(c.attention_kind(0), model::AttentionKind::kSliding);
  EXPECT_EQ(c.attention_kind(5), model::AttentionKind::kFull);  // every 6th layer is global
  EXPECT_EQ(c.attention_kind(25), model::AttentionKind::kSliding);
  EXPECT_EQ(c.rope_theta, 1e6);
  EXPECT_EQ(c.rope_local_base_freq, 1e4);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  expect_round_trip(c);
}

TEST(ModelConfig, Phi3Mini4kReadsAsTransformersDoes) {
  const auto dir = fixture("configs/Phi-3-mini-4k-instruct");
  auto c = model::load_model_config(dir);
  expect_matches_transformers(c, read_json(dir / "transformers_view.json"));
  EXPECT_EQ(c.family(), model::ModelFamily::kPhi3);
  EXPECT_EQ(c.head_dim(), 96);
  EXPECT_EQ(c.rotary_dim(), 96);
  EXPECT_EQ(c.sliding_window, 2047);
  EXPECT_EQ(c.attention_kind(0), model::AttentionKind::kSliding);  // one window for every layer
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{32000}));
  expect_round_trip(c);
}

TEST(ModelConfig, Gemma3Transformers5RopeParametersPerLayerType) {
  json j = {{"architectures", {"Gemma3ForCausalLM"}}, {"vocab_size", 320}, {"hidden_size", 64},
            {"intermediate_size", 112}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
            {"head_dim", 16}, {"sliding_window", 5},
            {"layer_types", {"sliding_attention", "full_attention"}},
            {"rope_parameters",
             {{"full_attention", {{"rope_type", "linear"}, {"factor", 8.0}, {"rope_theta", 1e6}}},
              {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 1e4}}}}}};
  auto c = model::parse_model_config(j, "gemma");
  EXPECT_EQ(c.rope_theta, 1e6);
  EXPECT_EQ(c.rope_scaling.type, "linear");
  EXPECT_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_EQ(c.rope_local_base_freq, 1e4);
  EXPECT_EQ(c.attention_kind(0), model::AttentionKind::kSliding);
  EXPECT_EQ(c.attention_kind(1), model::AttentionKind::kFull);
  expect_round_trip(c);

  j["rope_parameters"]["sliding_attention"]["rope_type"] = "linear";
  EXPECT_NE(config_error(j).find("rope_parameters.sliding_attention type 'linear' is not supported"),
            std::string::npos)
      << config_error(j);
}

TEST(ModelConfig, Phi3LongRopeTakesTheTopLevelOriginalLength) {
  std::vector<double> short_f(48, 1.0), long_f(48, 2.0);  // Phi-3-mini-128k: D = 96
  json j = {{"architectures", {"Phi3ForCausalLM"}}, {"vocab_size", 32064}, {"hidden_size", 3072},
            {"intermediate_size", 8192}, {"num_hidden_layers", 32}, {"num_attention_heads", 32},
            {"max_position_embeddings", 131072}, {"original_max_position_embeddings", 4096},
            {"rope_scaling", {{"type", "su"}, {"short_factor", short_f}, {"long_factor", long_f}}}};
  auto c = model::parse_model_config(j, "phi3");
  EXPECT_EQ(c.rope_scaling.type, "longrope");  // "su" is the old name
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 4096);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 32.0);  // 131072 / 4096 when not given
  EXPECT_EQ(c.rope_scaling.short_factor, short_f);
  expect_round_trip(c);
}

TEST(ModelConfig, FixtureConfigsRoundTrip) {
  for (const char* name : {"llama", "llama_rope_llama3", "mistral", "qwen2", "gemma3", "gemma3_softcap", "phi3",
                           "phi3_longrope", "phi3_longrope_partial"}) {
    SCOPED_TRACE(name);
    expect_round_trip(model::load_model_config(fixture(std::string("models/") + name)));
  }
}

}  // namespace
}  // namespace lorag::test
