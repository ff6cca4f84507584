// SPDX-License-Identifier: Apache-2.0
// GGUF models read natively (model/gguf_*): names, config, weights (q/k
// un-permuted, Q8_0/F16 dequantized), tokenizer and export, against transformers
// reading the same GGUF files (scripts/fixtures/gguf_models.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/core/error.h"
#include "model/formats/gguf_file.h"
#include "model/gguf_config.h"
#include "model/gguf_names.h"
#include "model/gguf_tokenizer.h"
#include "model/hf_export.h"
#include "model/model_loader.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

// Both sides dequantize the same bytes exactly (Q8_0 is d*q in fp32, F16 widens
// exactly), so only fp32 summation order differs: the fp32 logit tolerance holds.
constexpr double kGgufLogitTolerance = kFp32LogitTolerance;

TEST(GgufNames, MapsLlamaCppNamesToHuggingFaceKeys) {
  using model::gguf_to_hf_name;
  EXPECT_EQ(gguf_to_hf_name("llama", "token_embd.weight"), "model.embed_tokens.weight");
  EXPECT_EQ(gguf_to_hf_name("llama", "output_norm.weight"), "model.norm.weight");
  EXPECT_EQ(gguf_to_hf_name("llama", "output.weight"), "lm_head.weight");
  EXPECT_EQ(gguf_to_hf_name("llama", "blk.12.attn_q.weight"), "model.layers.12.self_attn.q_proj.weight");
  EXPECT_EQ(gguf_to_hf_name("llama", "blk.0.attn_output.weight"), "model.layers.0.self_attn.o_proj.weight");
  EXPECT_EQ(gguf_to_hf_name("llama", "blk.1.attn_norm.weight"), "model.layers.1.input_layernorm.weight");
  EXPECT_EQ(gguf_to_hf_name("llama", "blk.1.ffn_norm.weight"), "model.layers.1.post_attention_layernorm.weight");
  EXPECT_EQ(gguf_to_hf_name("llama", "blk.1.ffn_gate.weight"), "model.layers.1.mlp.gate_proj.weight");
  EXPECT_EQ(gguf_to_hf_name("qwen2", "blk.3.attn_k.bias"), "model.layers.3.self_attn.k_proj.bias");
  EXPECT_EQ(gguf_to_hf_name("gemma3", "blk.0.ffn_norm.weight"), "model.layers.0.pre_feedforward_layernorm.weight");
  EXPECT_EQ(gguf_to_hf_name("gemma3", "blk.0.post_attention_norm.weight"),
            "model.layers.0.post_attention_layernorm.weight");
  EXPECT_EQ(gguf_to_hf_name("gemma3", "blk.0.post_ffw_norm.weight"), "model.layers.0.post_feedforward_layernorm.weight");
  EXPECT_EQ(gguf_to_hf_name("gemma3", "blk.0.attn_q_norm.weight"), "model.layers.0.self_attn.q_norm.weight");
  EXPECT_EQ(gguf_to_hf_name("phi3", "blk.0.attn_qkv.weight"), "model.layers.0.self_attn.qkv_proj.weight");
  EXPECT_EQ(gguf_to_hf_name("phi3", "blk.0.ffn_up.weight"), "model.layers.0.mlp.gate_up_proj.weight");
  EXPECT_EQ(gguf_to_hf_name("phi3", "blk.0.ffn_gate.weight"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name("llama", "rope_freqs.weight"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name("llama", "blk.x.attn_q.weight"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name("bert", "token_embd.weight"), std::nullopt);
}

TEST(GgufNames, InverseRoundTrips) {
  for (const char* arch : {"llama", "qwen2", "gemma3", "phi3"}) {
    for (const char* name : {"token_embd.weight", "output.weight", "blk.7.attn_output.weight", "blk.7.ffn_down.weight",
                             "blk.0.attn_norm.weight", "blk.2.ffn_norm.weight", "blk.2.ffn_up.weight"}) {
      auto hf = model::gguf_to_hf_name(arch, name);
      ASSERT_TRUE(hf.has_value()) << arch << " " << name;
      EXPECT_EQ(model::hf_to_gguf_name(arch, *hf), name) << arch;
    }
  }
  // Phi-3 has only the fused projection; separate q/k/v have no HF key there.
  EXPECT_EQ(model::gguf_to_hf_name("phi3", "blk.0.attn_v.weight"), std::nullopt);
}

class GgufModelParity : public ::testing::TestWithParam<std::string> {
 protected:
  std::filesystem::path dir() const { return fixture("gguf_models/" + GetParam()); }
};

TEST_P(GgufModelParity, LogitsMatchTransformersReadingTheSameFile) {
  EXPECT_LT(max_logit_diff(dir() / "model.gguf", dir() / "reference.safetensors"), kGgufLogitTolerance);
}

TEST_P(GgufModelParity, ConfigMatchesTheSourceCheckpoint) {
  const auto file = model::formats::GgufFile::open(dir() / "model.gguf");
  const auto c = model::gguf_model_config(file);
  const auto hf = model::load_model_config(dir() / "hf");
  EXPECT_EQ(c.architecture, hf.architecture);
  EXPECT_EQ(c.vocab_size, hf.vocab_size);
  EXPECT_EQ(c.hidden_size, hf.hidden_size);
  EXPECT_EQ(c.intermediate_size, hf.intermediate_size);
  EXPECT_EQ(c.num_hidden_layers, hf.num_hidden_layers);
  EXPECT_EQ(c.num_attention_heads, hf.num_attention_heads);
  EXPECT_EQ(c.num_key_value_heads, hf.num_key_value_heads);
  EXPECT_EQ(c.head_dim(), hf.head_dim());
  EXPECT_EQ(c.max_position_embeddings, hf.max_position_embeddings);
  EXPECT_EQ(c.tie_word_embeddings, hf.tie_word_embeddings);
  EXPECT_EQ(c.qkv_bias, hf.qkv_bias);
  EXPECT_DOUBLE_EQ(c.rope_theta, hf.rope_theta);
  EXPECT_NEAR(c.rms_norm_eps, hf.rms_norm_eps, 1e-12);  // stored as float32
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{2});
}

TEST_P(GgufModelParity, TokenizerMatchesTransformersGgufTokenizer) {
  const auto m = load_cpu(dir() / "model.gguf");
  const auto ref = read_json(dir() / "tokenizer_reference.json");
  for (const auto& c : ref["cases"]) {
    const auto text = c["text"].get<std::string>();
    EXPECT_EQ(m.tokenizer->encode(text, true), c["transformers_gguf"].get<std::vector<int64_t>>()) << text;
    // llama.cpp's "smollm" split is the tokenizer.json the vocabulary was trained with.
    if (ref["pre"] == "smollm") EXPECT_EQ(m.tokenizer->encode(text, false), c["original"].get<std::vector<int64_t>>());
    const auto ids = m.tokenizer->encode(text, false);
    EXPECT_EQ(m.tokenizer->decode(ids, false), text);
  }
}

TEST_P(GgufModelParity, SpecialTokensAndChatTemplateComeFromMetadata) {
  const auto m = load_cpu(dir() / "model.gguf");
  const auto& s = m.tokenizer->special_tokens();
  EXPECT_EQ(s.bos_id, 1);
  EXPECT_EQ(s.bos_token, "<|im_start|>");
  EXPECT_EQ(s.eos_ids, std::vector<int64_t>{2});
  EXPECT_EQ(s.eos_token, "<|im_end|>");
  EXPECT_EQ(s.pad_id, 2);
  EXPECT_FALSE(s.add_bos);
  EXPECT_TRUE(m.tokenizer->is_special(0));
  EXPECT_NE(m.chat_template_source.find("<|im_start|>"), std::string::npos);
}

TEST_P(GgufModelParity, ExportedFolderLoadsWithIdenticalLogitsAndTokens) {
  torch::NoGradGuard no_grad;
  auto m = load_cpu(dir() / "model.gguf");
  const auto out = temp_dir("gguf_export");
  model::export_hf_folder(m, out, torch::kFloat32);
  auto back = load_cpu(out);
  auto ref = read_tensors(dir() / "reference.safetensors");
  auto a = m.net->forward({.input_ids = ref["input_ids"]});
  auto b = back.net->forward({.input_ids = ref["input_ids"]});
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_EQ(back.chat_template_source, m.chat_template_source);
  for (const auto& c : read_json(dir() / "tokenizer_reference.json")["cases"]) {
    const auto text = c["text"].get<std::string>();
    EXPECT_EQ(back.tokenizer->encode(text, true), m.tokenizer->encode(text, true)) << text;
  }
  EXPECT_EQ(back.tokenizer->special_tokens().eos_ids, m.tokenizer->special_tokens().eos_ids);
  std::filesystem::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GgufModelParity, ::testing::Values("llama", "qwen2"),
                         [](const auto& info) { return info.param; });

TEST(GgufModel, LoaderDetectsGgufByMagicWithoutExtension) {
  const auto out = temp_dir("gguf_magic");
  std::filesystem::copy_file(fixture("gguf_models/qwen2/model.gguf"), out / "weights.bin");
  EXPECT_TRUE(model::is_gguf_file(out / "weights.bin"));
  EXPECT_FALSE(model::is_gguf_file(fixture("gguf_models/qwen2/hf")));
  const auto m = load_cpu(out / "weights.bin");
  EXPECT_EQ(m.config.architecture, "Qwen2ForCausalLM");
  std::filesystem::remove_all(out);
}

TEST(GgufModel, UnsupportedArchitectureNamesTheKey) {
  const auto file = model::formats::GgufFile::open(fixture("gguf/kitchen_sink.gguf"));
  try {
    model::gguf_model_config(file);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported architecture 'lorag-test' (general.architecture"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lorag::test
