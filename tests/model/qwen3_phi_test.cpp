// SPDX-License-Identifier: Apache-2.0
// Qwen3 and Phi (1.5/2) configs and GGUF forms (model/config_families.cpp,
// model/gguf_*): real-shaped config.json files read as transformers reads them,
// and GGUF files written with gguf-py (scripts/fixtures/models_qwen3_phi.py)
// loading with transformers' logits. Logit parity of the safetensors
// checkpoints is in causal_lm_test.cpp, generation in infer/generator_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "model/config.h"
#include "model/formats/gguf_file.h"
#include "model/gguf_config.h"
#include "model/gguf_names.h"
#include "model/hf_export.h"
#include "model/model_loader.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
using nlohmann::json;

void expect_matches_view(const model::ModelConfig& c, const json& view) {
  EXPECT_EQ(c.hidden_size, view["hidden_size"].get<int64_t>());
  EXPECT_EQ(c.num_hidden_layers, view["num_hidden_layers"].get<int64_t>());
  EXPECT_EQ(c.num_attention_heads, view["num_attention_heads"].get<int64_t>());
  EXPECT_EQ(c.num_key_value_heads, view["num_key_value_heads"].get<int64_t>());
  EXPECT_EQ(c.head_dim(), view["head_dim"].get<int64_t>());
  EXPECT_EQ(c.rotary_dim(), view["rotary_dim"].get<int64_t>());
  EXPECT_EQ(c.intermediate_size, view["intermediate_size"].get<int64_t>());
  EXPECT_EQ(c.vocab_size, view["vocab_size"].get<int64_t>());
  EXPECT_EQ(c.max_position_embeddings, view["max_position_embeddings"].get<int64_t>());
  EXPECT_EQ(c.rms_norm_eps, view["norm_eps"].get<double>());
  EXPECT_EQ(c.sliding_window, view["sliding_window"].get<int64_t>());
  EXPECT_EQ(c.tie_word_embeddings, view["tie_word_embeddings"].get<bool>());
  EXPECT_EQ(c.hidden_act, view["hidden_act"].get<std::string>());
  EXPECT_EQ(c.bos_token_id, view["bos_token_id"].get<int64_t>());
  EXPECT_EQ(c.eos_token_ids, view["eos_token_ids"].get<std::vector<int64_t>>());
  EXPECT_EQ(c.rope_theta, view["rope_theta"].get<double>());
  EXPECT_EQ(c.rope_scaling.type, view["rope_type"].get<std::string>());
}

void expect_round_trip(model::ModelConfig c) {
  auto again = model::parse_model_config(model::to_json(c), "round trip");
  c.head_dim_override = c.head_dim();  // to_json always spells head_dim out
  EXPECT_TRUE(again == c) << model::to_json(c).dump() << "\nreads back as\n" << model::to_json(again).dump();
}

TEST(ModelConfig, Qwen3ReadsAsTransformersDoes) {
  const auto dir = fixture("configs/Qwen3-0.6B");
  const auto c = model::load_model_config(dir);
  expect_matches_view(c, read_json(dir / "transformers_view.json"));
  EXPECT_EQ(c.family(), model::ModelFamily::kQwen3);
  EXPECT_EQ(c.head_dim(), 128);  // explicit, not C/H = 64
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_DOUBLE_EQ(c.attention_scale(), 1.0 / std::sqrt(128.0));
  expect_round_trip(c);
}

TEST(ModelConfig, Phi2ReadsAsTransformersDoes) {
  const auto dir = fixture("configs/phi-2");
  const auto c = model::load_model_config(dir);
  expect_matches_view(c, read_json(dir / "transformers_view.json"));
  EXPECT_EQ(c.family(), model::ModelFamily::kPhi);
  EXPECT_EQ(c.rotary_dim(), 32);  // 40% of 80
  EXPECT_TRUE(c.attention_bias);
  EXPECT_TRUE(c.mlp_bias);
  expect_round_trip(c);
}

TEST(ModelConfig, PhiDefaultsFollowPhiConfig) {
  const json j = {{"architectures", {"PhiForCausalLM"}}, {"vocab_size", 100}, {"hidden_size", 64},
                  {"intermediate_size", 256}, {"num_hidden_layers", 2}, {"num_attention_heads", 4}};
  const auto c = model::parse_model_config(j, "phi");
  EXPECT_EQ(c.rotary_dim(), 8);  // PhiConfig's partial_rotary_factor default 0.5
  EXPECT_EQ(c.hidden_act, "gelu_new");
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{2});
  expect_round_trip(c);
}

TEST(ModelConfig, PhiWithQkLayernormIsRefusedNamingTheField) {
  const json j = {{"architectures", {"PhiForCausalLM"}}, {"vocab_size", 100}, {"hidden_size", 64},
                  {"intermediate_size", 256}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
                  {"qk_layernorm", true}};
  const auto message = error_of<ConfigError>([&] { model::parse_model_config(j, "x/config.json"); });
  EXPECT_NE(message.find("x/config.json: config field 'qk_layernorm' is true"), std::string::npos) << message;
}

TEST(ModelConfig, Qwen3FixturesRoundTrip) {
  for (const char* name : {"qwen3", "qwen3_tied", "phi"}) {
    SCOPED_TRACE(name);
    expect_round_trip(model::load_model_config(fixture(std::string("models/") + name)));
  }
}

TEST(GgufNames, MapsQwen3AndPhi2AsGgufPy) {
  using model::gguf_to_hf_name;
  EXPECT_EQ(gguf_to_hf_name("qwen3", "blk.1.attn_q_norm.weight"), "model.layers.1.self_attn.q_norm.weight");
  EXPECT_EQ(gguf_to_hf_name("qwen3", "blk.1.attn_k_norm.weight"), "model.layers.1.self_attn.k_norm.weight");
  EXPECT_EQ(gguf_to_hf_name("qwen3", "output_norm.weight"), "model.norm.weight");
  EXPECT_EQ(gguf_to_hf_name("phi2", "output_norm.bias"), "model.final_layernorm.bias");
  EXPECT_EQ(gguf_to_hf_name("phi2", "blk.0.attn_norm.bias"), "model.layers.0.input_layernorm.bias");
  EXPECT_EQ(gguf_to_hf_name("phi2", "blk.0.attn_output.weight"), "model.layers.0.self_attn.dense.weight");
  EXPECT_EQ(gguf_to_hf_name("phi2", "blk.0.ffn_up.bias"), "model.layers.0.mlp.fc1.bias");
  EXPECT_EQ(gguf_to_hf_name("phi2", "blk.0.ffn_down.weight"), "model.layers.0.mlp.fc2.weight");
  EXPECT_EQ(gguf_to_hf_name("phi2", "output.bias"), "lm_head.bias");
  EXPECT_EQ(gguf_to_hf_name("phi2", "blk.0.ffn_gate.weight"), std::nullopt);
  for (const char* arch : {"qwen3", "phi2"}) {
    for (const char* name :
         {"token_embd.weight", "output_norm.weight", "blk.3.attn_q.weight", "blk.3.ffn_down.weight"}) {
      auto hf = gguf_to_hf_name(arch, name);
      ASSERT_TRUE(hf.has_value()) << arch << " " << name;
      EXPECT_EQ(model::hf_to_gguf_name(arch, *hf), name) << arch;
    }
  }
}

class GgufQwen3Phi : public ::testing::TestWithParam<std::string> {
 protected:
  std::filesystem::path dir() const { return fixture("gguf_qwen3_phi/" + GetParam()); }
};

// qwen3: F16 matrices widen exactly on both sides; phi2: F32. Only fp32
// summation order differs from the reference.
TEST_P(GgufQwen3Phi, LogitsMatchTheReference) {
  EXPECT_LT(max_logit_diff(dir() / "model.gguf", dir() / "reference.safetensors"), kFp32LogitTolerance);
}

TEST_P(GgufQwen3Phi, ConfigMatchesTheSourceCheckpoint) {
  const auto c = model::gguf_model_config(model::formats::GgufFile::open(dir() / "model.gguf"));
  auto hf = model::load_model_config(dir() / "hf");
  EXPECT_EQ(c.architecture, hf.architecture);
  EXPECT_EQ(c.family(), hf.family());
  EXPECT_EQ(c.head_dim(), hf.head_dim());
  EXPECT_EQ(c.rotary_dim(), hf.rotary_dim());
  EXPECT_EQ(c.intermediate_size, hf.intermediate_size);
  EXPECT_EQ(c.num_key_value_heads, hf.num_key_value_heads);
  EXPECT_EQ(c.attention_bias, hf.attention_bias);
  EXPECT_EQ(c.mlp_bias, hf.mlp_bias);
  EXPECT_EQ(c.hidden_act, hf.hidden_act);
  EXPECT_EQ(c.tie_word_embeddings, hf.tie_word_embeddings);
  EXPECT_NEAR(c.rms_norm_eps, hf.rms_norm_eps, 1e-12);  // stored as float32
  EXPECT_DOUBLE_EQ(c.rope_theta, hf.rope_theta);
}

TEST_P(GgufQwen3Phi, ExportedFolderLoadsWithIdenticalLogits) {
  torch::NoGradGuard no_grad;
  auto m = load_cpu(dir() / "model.gguf");
  const auto out = temp_dir("gguf_qwen3_phi_export");
  model::export_hf_folder(m, out, torch::kFloat32);
  auto back = load_cpu(out);
  EXPECT_EQ(back.config.architecture, m.config.architecture);
  auto ids = read_tensors(dir() / "reference.safetensors")["input_ids"];
  EXPECT_TRUE(torch::equal(m.net->forward({.input_ids = ids}), back.net->forward({.input_ids = ids})));
  std::filesystem::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GgufQwen3Phi, ::testing::Values("qwen3", "phi2", "phi2_fused"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lorag::test
