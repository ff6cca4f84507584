// SPDX-License-Identifier: Apache-2.0
// Sentencepiece tokenizers against transformers 5 (LlamaTokenizer) and the
// sentencepiece library itself.
#include <gtest/gtest.h>

#include <fstream>

#include "model/core/error.h"
#include "model/text/sentencepiece_tokenizer.h"
#include "tests/test_util.h"

namespace lorag::model::text {
namespace {

using nlohmann::json;

const json& reference(const std::string& name = "tiny_sp") {
  static const json ref = test::read_json(test::fixture("tokenizers/reference.json"));
  return ref[name];
}

// tiny_sp: Llama-2-like (dummy prefix); gemma_sp: trained without one, loaded as GemmaTokenizer.
const std::vector<std::string> kSpNames = {"tiny_sp", "gemma_sp"};

TEST(SentencePieceTokenizer, MatchesTransformersOnMixedText) {
  for (const std::string& name : kSpNames) {
    auto tok = load_tokenizer(test::fixture("tokenizers/" + name));
    ASSERT_EQ(tok->kind(), "sentencepiece");
    for (const json& c : reference(name)["encode"]) {
      const std::string text = c["text"];
      SCOPED_TRACE(name + " text='" + text + "'");
      EXPECT_EQ(tok->encode(text, false), c["ids"].get<std::vector<int64_t>>());
      EXPECT_EQ(tok->encode(text, true), c["ids_special"].get<std::vector<int64_t>>());
      const auto ids = c["ids"].get<std::vector<int64_t>>();
      EXPECT_EQ(tok->decode(ids, false), c["decode"].get<std::string>());
      EXPECT_EQ(tok->decode(ids, true), c["decode_skip"].get<std::string>());
    }
  }
}

TEST(SentencePieceTokenizer, PlainTextMatchesSentencepieceLibrary) {
  // Without a leading space or special tokens, transformers and sentencepiece agree.
  for (const std::string& name : kSpNames) {
    auto tok = load_tokenizer(test::fixture("tokenizers/" + name));
    int checked = 0;
    for (const json& c : reference(name)["encode"]) {
      const std::string text = c["text"];
      if (text.empty() || text[0] == ' ' || text.find('<') != std::string::npos) continue;
      SCOPED_TRACE(name + " text='" + text + "'");
      EXPECT_EQ(tok->encode(text, false), c["sentencepiece_ids"].get<std::vector<int64_t>>());
      ++checked;
    }
    EXPECT_GT(checked, 20);
  }
}

TEST(SentencePieceTokenizer, DecodeMatchesTransformers) {
  for (const std::string& name : kSpNames) {
    auto tok = load_tokenizer(test::fixture("tokenizers/" + name));
    for (const json& c : reference(name)["decode"]) {
      SCOPED_TRACE(name + " ids=" + c["ids"].dump());
      const auto ids = c["ids"].get<std::vector<int64_t>>();
      EXPECT_EQ(tok->decode(ids, false), c["text"].get<std::string>());
      EXPECT_EQ(tok->decode(ids, true), c["text_skip"].get<std::string>());
    }
    const json& c = reference(name)["long"];
    EXPECT_EQ(tok->encode(c["text"].get<std::string>(), false), c["ids"].get<std::vector<int64_t>>());
  }
}

TEST(SentencePieceTokenizer, SpecialTokensFollowLlama) {
  auto tok = load_tokenizer(test::fixture("tokenizers/tiny_sp"));
  const SpecialTokens& s = tok->special_tokens();
  EXPECT_EQ(s.bos_id, 1);
  EXPECT_EQ(s.bos_token, "<s>");
  EXPECT_EQ(s.eos_token, "</s>");
  EXPECT_EQ(s.eos_ids, std::vector<int64_t>{2});
  EXPECT_EQ(s.pad_id, -1);
  EXPECT_TRUE(s.add_bos);
  EXPECT_FALSE(s.add_eos);
  EXPECT_EQ(tok->vocab_size(), reference()["vocab_size"].get<int64_t>());
  EXPECT_TRUE(tok->is_special(1));
  EXPECT_EQ(tok->token_to_id("</s>"), 2);
  EXPECT_EQ(tok->token_to_id("no-such-piece"), std::nullopt);
  EXPECT_EQ(tok->id_to_token(0), "<unk>");
}

TEST(SentencePieceTokenizer, PrefersTokenizerModelOverJson) {
  const auto dir = test::temp_dir("sp_prefer");
  const auto src = test::fixture("tokenizers/tiny_sp");
  std::filesystem::copy(src / "tokenizer.model", dir / "tokenizer.model");
  std::filesystem::copy(test::fixture("tokenizers/llama2_bpe/tokenizer.json"), dir / "tokenizer.json");
  EXPECT_EQ(load_tokenizer(dir)->kind(), "sentencepiece");
}

TEST(SentencePieceTokenizer, CorruptModelIsFormatError) {
  const auto dir = test::temp_dir("sp_corrupt");
  std::ofstream(dir / "tokenizer.model") << "not a model";
  try {
    load_tokenizer(dir);
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.model: not a sentencepiece model"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lorag::model::text
