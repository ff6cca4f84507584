// SPDX-License-Identifier: Apache-2.0
// load_tokenizer: file choice and special-token resolution from the config files.
#include <gtest/gtest.h>

#include <fstream>

#include "model/core/error.h"
#include "model/text/tokenizer.h"
#include "tests/test_util.h"

namespace lorag::model::text {
namespace {

TEST(TokenizerLoader, EosIdsAreTheUnionOfAllConfigs) {
  auto tok = load_tokenizer(test::fixture("tokenizers/llama3_bpe"));
  const SpecialTokens& s = tok->special_tokens();
  const int64_t eot = *tok->token_to_id("<|eot_id|>"), end = *tok->token_to_id("<|end_of_text|>");
  EXPECT_EQ(s.eos_ids, (std::vector<int64_t>{eot, end}));
  EXPECT_EQ(s.eos_token, "<|eot_id|>");
  EXPECT_EQ(s.bos_token, "<|begin_of_text|>");
  EXPECT_TRUE(s.add_bos);  // from the TemplateProcessing post-processor
}

TEST(TokenizerLoader, TokenMayBeAnAddedTokenDict) {
  auto tok = load_tokenizer(test::fixture("tokenizers/gpt2_bpe"));
  EXPECT_EQ(tok->special_tokens().bos_token, "<|endoftext|>");
  EXPECT_EQ(tok->special_tokens().bos_id, 0);
  EXPECT_FALSE(tok->special_tokens().add_bos);
}

TEST(TokenizerLoader, NullBosAndGenerationConfigEos) {
  auto tok = load_tokenizer(test::fixture("tokenizers/qwen2_bpe"));
  const SpecialTokens& s = tok->special_tokens();
  EXPECT_EQ(s.bos_id, -1);
  EXPECT_EQ(s.pad_id, 0);
  EXPECT_EQ(s.eos_ids, (std::vector<int64_t>{2, 0}));
}

TEST(TokenizerLoader, MissingTokenizerIsIoError) {
  const auto dir = test::temp_dir("loader_empty");
  try {
    load_tokenizer(dir);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no tokenizer.model or tokenizer.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_tokenizer(dir / "nope"), IoError);
}

TEST(TokenizerLoader, BadEosTypeNamesTheFile) {
  const auto dir = test::temp_dir("loader_bad_eos");
  std::filesystem::copy(test::fixture("tokenizers/tiny_bpe/tokenizer.json"), dir / "tokenizer.json");
  std::ofstream(dir / "config.json") << R"({"eos_token_id": "two"})";
  try {
    load_tokenizer(dir);
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: field 'eos_token_id' is string"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace lorag::model::text
