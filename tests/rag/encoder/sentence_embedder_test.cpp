// SPDX-License-Identifier: Apache-2.0
// The sentence embedder against sentence-transformers on tiny random BERT
// folders (scripts/fixtures/rag_encoder.py), and its errors on bad folders.
#include "rag/encoder/sentence_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/core/error.h"
#include "model/formats/safetensors_file.h"
#include "model/formats/safetensors_writer.h"
#include "tests/test_util.h"

namespace lorag::rag::encoder {
namespace {
namespace fs = std::filesystem;

// fp32 through two tiny layers: sentence-transformers and LibTorch agree to ~1e-6.
constexpr double kTolerance = 2e-5;

std::vector<std::string> reference_texts(const nlohmann::json& ref) {
  std::vector<std::string> texts;
  for (const auto& item : ref["tokens"]["tiny_bert"]) texts.push_back(item["text"]);
  return texts;
}

void expect_matches_reference(const std::string& variant) {
  const auto ref = test::read_json(test::fixture("rag_encoder/reference.json"));
  const auto texts = reference_texts(ref);
  const auto embedder = load_sentence_embedder(test::fixture("rag_encoder/" + variant));
  const auto expected = ref["embeddings"][variant];
  const int64_t dim = embedder->dimension();
  ASSERT_EQ(dim, static_cast<int64_t>(expected[0].size()));
  EXPECT_EQ(embedder->max_tokens(), ref["max_seq_length"][variant].get<int64_t>() - 2);
  const auto got = embedder->embed(texts);
  ASSERT_EQ(got.size(), texts.size() * dim);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    double norm = 0;
    for (int64_t j = 0; j < dim; ++j) {
      const float value = got[i * dim + j];
      norm += value * value;
      EXPECT_NEAR(value, expected[i][j].get<double>(), kTolerance) << variant << " text " << i << " dim " << j;
    }
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
  }
}

TEST(SentenceEmbedder, MeanPoolingMatchesSentenceTransformers) { expect_matches_reference("tiny_bert"); }
// cls pooling in the 5.x config layout, tanh GELU, eps 1e-5, vocab from tokenizer.json only.
TEST(SentenceEmbedder, ClsPoolingMatchesSentenceTransformers) { expect_matches_reference("tiny_bert_cls"); }
// max+mean pooling in the 2.x layout, pytorch_model.bin with `bert.` keys, no Normalize module.
TEST(SentenceEmbedder, MaxMeanPoolingFromPickleMatchesSentenceTransformers) {
  expect_matches_reference("tiny_bert_max");
}

TEST(SentenceEmbedder, DescribesItself) {
  const auto embedder = load_sentence_embedder(test::fixture("rag_encoder/tiny_bert") / "");
  EXPECT_EQ(embedder->name(), "tiny_bert");
  EXPECT_EQ(embedder->dimension(), 32);
  EXPECT_EQ(embedder->max_tokens(), 30);
  EXPECT_TRUE(embedder->embed({}).empty());
}

TEST(SentenceEmbedder, BatchedEqualsOneAtATime) {
  const auto ref = test::read_json(test::fixture("rag_encoder/reference.json"));
  const auto texts = reference_texts(ref);
  const auto embedder = load_sentence_embedder(test::fixture("rag_encoder/tiny_bert"));
  const auto batched = embedder->embed(texts);
  const int64_t dim = embedder->dimension();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto single = embedder->embed({texts[i]});
    for (int64_t j = 0; j < dim; ++j) EXPECT_NEAR(batched[i * dim + j], single[j], 1e-5) << "text " << i;
  }
}

TEST(SentenceEmbedder, TokenSpansCoverTheWordpieces) {
  const auto embedder = load_sentence_embedder(test::fixture("rag_encoder/tiny_bert"));
  const std::string text = "Café, 你好! unknownish";
  const auto spans = embedder->token_spans(text);
  std::vector<std::string> pieces;
  for (const auto& s : spans) pieces.push_back(text.substr(s.begin, s.end - s.begin));
  EXPECT_EQ(pieces, (std::vector<std::string>{"Café", ",", "你", "好", "!", "un", "known", "ish"}));
  // Untruncated: a text beyond max_tokens still gets every span.
  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += "dog ";
  EXPECT_EQ(embedder->token_spans(long_text).size(), 50u);
}

// A copy of the tiny model to break.
fs::path broken_copy(const std::string& tag) {
  const auto dir = test::temp_dir(tag);
  fs::copy(test::fixture("rag_encoder/tiny_bert"), dir, fs::copy_options::recursive);
  return dir;
}

template <typename ErrorType>
void expect_error(const fs::path& dir, const std::string& needle) {
  try {
    load_sentence_embedder(dir);
    FAIL() << "expected an error containing: " << needle;
  } catch (const ErrorType& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(SentenceEmbedder, MissingVocabularyNamesTheFile) {
  const auto dir = broken_copy("embedder_no_vocab");
  fs::remove(dir / "vocab.txt");
  fs::remove(dir / "tokenizer.json");
  expect_error<IoError>(dir, (dir / "vocab.txt").string() + ": no such file");
}

TEST(SentenceEmbedder, MissingWeightsNameTheFolder) {
  const auto dir = broken_copy("embedder_no_weights");
  fs::remove(dir / "model.safetensors");
  expect_error<IoError>(dir, "no model.safetensors or pytorch_model.bin");
}

// Rewrites model.safetensors with `name` replaced by a [rows, cols] tensor, or dropped.
void rewrite_weights(const fs::path& dir, const std::string& name, std::vector<int64_t> shape) {
  const auto file = model::formats::SafetensorsFile::open(dir / "model.safetensors");
  std::vector<float> replacement(shape.empty() ? 0 : shape[0] * shape[1], 0.5f);
  std::vector<model::formats::SafetensorsTensorRef> refs;
  for (const auto& [key, entry] : file->tensors()) {
    if (key != name) {
      refs.push_back({key, entry.dtype, entry.shape, entry.data});
    } else if (!shape.empty()) {
      refs.push_back({key, "F32", shape,
                      {reinterpret_cast<const uint8_t*>(replacement.data()), replacement.size() * sizeof(float)}});
    }
  }
  const auto tmp = dir / "model.tmp.safetensors";
  model::formats::write_safetensors(tmp, refs, {{"format", "pt"}});
  fs::rename(tmp, dir / "model.safetensors");
}

TEST(SentenceEmbedder, WrongShapeNamesFileTensorAndShapes) {
  const auto dir = broken_copy("embedder_bad_shape");
  rewrite_weights(dir, "encoder.layer.1.attention.self.key.weight", {32, 16});
  expect_error<ShapeError>(dir, "model.safetensors: tensor 'encoder.layer.1.attention.self.key.weight' is [32, 16], "
                                "expected [32, 32]");
}

TEST(SentenceEmbedder, MissingTensorIsNamed) {
  const auto dir = broken_copy("embedder_missing_tensor");
  rewrite_weights(dir, "encoder.layer.0.output.dense.bias", {});
  expect_error<FormatError>(dir, "missing tensor 'encoder.layer.0.output.dense.bias'");
}

TEST(SentenceEmbedder, UnsupportedModuleIsNamed) {
  const auto dir = broken_copy("embedder_dense");
  auto modules = test::read_json(dir / "modules.json");
  modules.push_back({{"idx", 3}, {"name", "3"}, {"path", "3_Dense"}, {"type", "sentence_transformers.models.Dense"}});
  std::ofstream(dir / "modules.json") << modules.dump();
  expect_error<ConfigError>(dir, "'[3].type' is 'sentence_transformers.models.Dense'");
}

TEST(SentenceEmbedder, NonBertModelIsRejected) {
  const auto dir = broken_copy("embedder_roberta");
  auto config = test::read_json(dir / "config.json");
  config["model_type"] = "roberta";
  std::ofstream(dir / "config.json") << config.dump();
  expect_error<ConfigError>(dir, "field 'model_type' is 'roberta', expected 'bert'");
}

TEST(SentenceEmbedder, DefaultPathFollowsEnvironment) {
  ::setenv("LORAG_EMBEDDER", "/some/where/else", 1);
  EXPECT_EQ(default_embedder_path(), fs::path("/some/where/else"));
  ::unsetenv("LORAG_EMBEDDER");
  // From the test binary in build/tests/, the checkout's models/ is three levels up.
  const fs::path installed = fs::path(LORAG_TEST_SOURCE_DIR) / "models/all-MiniLM-L6-v2";
  if (fs::exists(installed / "config.json")) {
    EXPECT_EQ(fs::canonical(default_embedder_path()), fs::canonical(installed));
  } else {
    EXPECT_THROW(default_embedder_path(), UsageError);
  }
}

}  // namespace
}  // namespace lorag::rag::encoder
