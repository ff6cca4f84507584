// SPDX-License-Identifier: Apache-2.0
// GGUF models with a sentencepiece-style ("llama") tokenizer in their metadata,
// and the gemma3 and phi3 GGUF architectures, against transformers reading the
// same files (scripts/fixtures/gguf_sp_models.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/formats/gguf_file.h"
#include "model/gguf_config.h"
#include "model/hf_export.h"
#include "model/model_loader.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

// F16 matrices widen exactly and norms are F32 (Gemma's 1 + w shift is undone in
// fp32 on both sides), so only fp32 summation order differs.
constexpr double kGgufLogitTolerance = kFp32LogitTolerance;

class GgufSentencepieceModel : public ::testing::TestWithParam<std::string> {
 protected:
  std::filesystem::path dir() const { return fixture("gguf_sp_models/" + GetParam()); }
};

TEST_P(GgufSentencepieceModel, LogitsMatchTransformersReadingTheSameFile) {
  EXPECT_LT(max_logit_diff(dir() / "model.gguf", dir() / "reference.safetensors"), kGgufLogitTolerance);
}

TEST_P(GgufSentencepieceModel, ConfigMatchesTheSourceCheckpoint) {
  const auto c = model::gguf_model_config(model::formats::GgufFile::open(dir() / "model.gguf"));
  const auto hf = model::load_model_config(dir() / "hf");
  EXPECT_EQ(c.architecture, hf.architecture);
  EXPECT_EQ(c.family(), hf.family());
  EXPECT_EQ(c.vocab_size, hf.vocab_size);
  EXPECT_EQ(c.num_hidden_layers, hf.num_hidden_layers);
  EXPECT_EQ(c.num_key_value_heads, hf.num_key_value_heads);
  EXPECT_EQ(c.head_dim(), hf.head_dim());
  EXPECT_EQ(c.tie_word_embeddings, hf.tie_word_embeddings);
  EXPECT_EQ(c.hidden_act, hf.hidden_act);
  EXPECT_DOUBLE_EQ(c.rope_theta, hf.rope_theta);
  EXPECT_DOUBLE_EQ(c.attention_scale(), hf.attention_scale());
  EXPECT_DOUBLE_EQ(c.embedding_multiplier(), hf.embedding_multiplier());
  for (int64_t layer = 0; layer < c.num_hidden_layers; ++layer) {
    EXPECT_EQ(c.attention_kind(layer), hf.attention_kind(layer)) << "layer " << layer;
  }
  if (GetParam() == "gemma3") {
    EXPECT_EQ(c.sliding_window, hf.sliding_window);
    EXPECT_DOUBLE_EQ(c.rope_local_base_freq, hf.rope_local_base_freq);
  }
}

TEST_P(GgufSentencepieceModel, TokenizerMatchesTransformersAndSentencepiece) {
  const auto m = load_cpu(dir() / "model.gguf");
  for (const auto& c : read_json(dir() / "tokenizer_reference.json")["cases"]) {
    const auto text = c["text"].get<std::string>();
    EXPECT_EQ(m.tokenizer->encode(text, true), c["transformers_gguf"].get<std::vector<int64_t>>()) << text;
    EXPECT_EQ(m.tokenizer->encode(text, false), c["sentencepiece"].get<std::vector<int64_t>>()) << text;
    EXPECT_EQ(m.tokenizer->decode(m.tokenizer->encode(text, false), false), text);
  }
  const auto& s = m.tokenizer->special_tokens();
  EXPECT_EQ(s.bos_id, 1);
  EXPECT_EQ(s.eos_ids, std::vector<int64_t>{2});
  EXPECT_TRUE(s.add_bos);
}

TEST_P(GgufSentencepieceModel, ExportedFolderLoadsWithIdenticalLogits) {
  torch::NoGradGuard no_grad;
  auto m = load_cpu(dir() / "model.gguf");
  const auto out = temp_dir("gguf_sp_export");
  model::export_hf_folder(m, out, torch::kFloat32);
  auto back = load_cpu(out);
  EXPECT_EQ(back.config.architecture, m.config.architecture);
  auto ids = read_tensors(dir() / "reference.safetensors")["input_ids"];
  EXPECT_TRUE(torch::equal(m.net->forward({.input_ids = ids}), back.net->forward({.input_ids = ids})));
  std::filesystem::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GgufSentencepieceModel, ::testing::Values("llama_sp", "gemma3", "phi3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lorag::test
