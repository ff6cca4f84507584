// SPDX-License-Identifier: Apache-2.0
// The real default embedder, all-MiniLM-L6-v2, against sentence-transformers
// (reference written by scripts/fixtures/rag_encoder.py when models/ has it).
#include <gtest/gtest.h>

#include <cmath>

#include "rag/encoder/sentence_embedder.h"
#include "rag/encoder/wordpiece_tokenizer.h"
#include "tests/test_util.h"

namespace lorag::rag::encoder {
namespace {
namespace fs = std::filesystem;

TEST(MiniLmEmbedder, MatchesSentenceTransformers) {
  const auto path = test::fixtures_dir() / "rag_encoder/minilm_reference.json";
  if (!fs::exists(path)) GTEST_SKIP() << "models/all-MiniLM-L6-v2 not installed when the fixtures were made";
  const auto ref = test::read_json(path);
  const fs::path model = ref["model"].get<std::string>();
  if (!fs::exists(model / "config.json")) GTEST_SKIP() << model << " is gone";
  const auto texts = ref["texts"].get<std::vector<std::string>>();

  const auto tokenizer = WordPieceTokenizer::load(model);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(tokenizer.encode(texts[i], 254), ref["tokens"][i]["ids"].get<std::vector<int64_t>>()) << texts[i];
  }

  const auto embedder = load_sentence_embedder(model);
  EXPECT_EQ(embedder->name(), "all-MiniLM-L6-v2");
  EXPECT_EQ(embedder->dimension(), 384);
  EXPECT_EQ(embedder->max_tokens(), 254);
  const auto got = embedder->embed(texts);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    double dot = 0, norm = 0;
    for (int64_t j = 0; j < 384; ++j) {
      const double expected = ref["embeddings"][i][j].get<double>();
      dot += got[i * 384 + j] * expected;
      norm += expected * expected;
    }
    EXPECT_GT(dot / std::sqrt(norm), 0.9999) << "text " << i << ": " << texts[i];
  }
}

// Seeded random strings over the character classes BERT treats specially,
// against the real 30522-token vocabulary: wordpieces, byte spans and ids.
TEST(MiniLmEmbedder, TokenizerMatchesTransformersOnMixedUnicode) {
  const auto path = test::fixtures_dir() / "rag_encoder/minilm_reference.json";
  if (!fs::exists(path)) GTEST_SKIP() << "models/all-MiniLM-L6-v2 not installed when the fixtures were made";
  const auto ref = test::read_json(path);
  const fs::path model = ref["model"].get<std::string>();
  if (!fs::exists(model / "vocab.txt")) GTEST_SKIP() << model << " is gone";
  const auto tokenizer = WordPieceTokenizer::load(model);
  ASSERT_GE(ref["stress"].size(), 100u);
  for (const auto& item : ref["stress"]) {
    const std::string text = item["text"];
    std::vector<int64_t> ids;
    std::vector<std::vector<std::size_t>> spans;
    for (const auto& p : tokenizer.tokenize(text)) {
      ids.push_back(p.id);
      spans.push_back({p.begin, p.end});
    }
    EXPECT_EQ(ids, item["pieces"].get<std::vector<int64_t>>()) << "'" << text << "'";
    EXPECT_EQ(spans, item["spans"].get<std::vector<std::vector<std::size_t>>>()) << "'" << text << "'";
  }
}

}  // namespace
}  // namespace lorag::rag::encoder
