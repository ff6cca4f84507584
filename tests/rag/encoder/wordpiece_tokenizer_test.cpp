// SPDX-License-Identifier: Apache-2.0
// WordPieceTokenizer against HF's fast BertTokenizer (reference ids and offsets
// written by scripts/fixtures/rag_encoder.py).
#include "rag/encoder/wordpiece_tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::rag::encoder {
namespace {
namespace fs = std::filesystem;

void expect_matches_reference(const std::string& variant) {
  const auto ref = test::read_json(test::fixture("rag_encoder/reference.json"));
  const auto tokenizer = WordPieceTokenizer::load(test::fixture("rag_encoder/" + variant));
  const int64_t max_tokens = 32 - 2;
  for (const auto& item : ref["tokens"][variant]) {
    const std::string text = item["text"];
    const auto pieces = tokenizer.tokenize(text);
    std::vector<int64_t> ids;
    std::vector<std::vector<std::size_t>> spans;
    for (const auto& p : pieces) {
      ids.push_back(p.id);
      spans.push_back({p.begin, p.end});
    }
    EXPECT_EQ(ids, item["pieces"].get<std::vector<int64_t>>()) << variant << ": '" << text << "'";
    EXPECT_EQ(spans, item["spans"].get<std::vector<std::vector<std::size_t>>>()) << variant << ": '" << text << "'";
    EXPECT_EQ(tokenizer.encode(text, max_tokens), item["ids"].get<std::vector<int64_t>>())
        << variant << ": '" << text << "'";
  }
}

TEST(WordPieceTokenizer, UncasedMatchesTransformers) { expect_matches_reference("tiny_bert"); }
TEST(WordPieceTokenizer, CasedMatchesTransformers) { expect_matches_reference("tok_cased"); }
TEST(WordPieceTokenizer, LowercaseKeepingAccentsMatchesTransformers) { expect_matches_reference("tok_keep_accents"); }

TEST(WordPieceTokenizer, GreedyLongestMatchWithContinuations) {
  WordPieceConfig config;
  const std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "##a",
                                          "unaff", "!"};
  const WordPieceTokenizer tokenizer(vocab, config, "test vocab");
  auto ids = [&](const std::string& text) {
    std::vector<int64_t> out;
    for (const auto& p : tokenizer.tokenize(text)) out.push_back(p.id);
    return out;
  };
  EXPECT_EQ(ids("unaffable!"), (std::vector<int64_t>{8, 6, 9}));  // "unaff" beats "un"
  EXPECT_EQ(ids("UNAFFABLE"), (std::vector<int64_t>{8, 6}));
  EXPECT_EQ(ids("unaffx"), (std::vector<int64_t>{1}));  // one piece fails: the whole word is [UNK]
  const auto pieces = tokenizer.tokenize("  Ünaffable");  // Ü (2 bytes) stripped to u
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].begin, 2u);
  EXPECT_EQ(pieces[0].end, 8u);
  EXPECT_EQ(pieces[1].begin, 8u);
  EXPECT_EQ(pieces[1].end, 12u);
}

TEST(WordPieceTokenizer, MissingVocabularyNamesTheFile) {
  const auto dir = test::temp_dir("wordpiece_missing");
  try {
    WordPieceTokenizer::load(dir);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "vocab.txt").string() + ": no such file"), std::string::npos)
        << e.what();
  }
}

TEST(WordPieceTokenizer, SpecialTokenOutsideVocabularyIsAnError) {
  const auto dir = test::temp_dir("wordpiece_special");
  std::ofstream(dir / "vocab.txt") << "[PAD]\n[UNK]\n[CLS]\nhello\n";
  try {
    WordPieceTokenizer::load(dir);
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("sep_token '[SEP]' is not in the vocabulary"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lorag::rag::encoder
