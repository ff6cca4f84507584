// SPDX-License-Identifier: Apache-2.0
// tokenizer.json BPE tokenizers against transformers' reference ids and texts.
#include <gtest/gtest.h>

#include <fstream>

#include "model/core/error.h"
#include "model/text/bpe_tokenizer.h"
#include "tests/test_util.h"

namespace lorag::model::text {
namespace {

using nlohmann::json;

const json& reference() {
  static const json ref = test::read_json(test::fixture("tokenizers/reference.json"));
  return ref;
}

// Every tokenizer.json fixture, loaded through load_tokenizer as the CLI does.
const std::vector<std::string> kBpeNames = {"tiny_bpe", "llama3_bpe", "qwen2_bpe", "gpt2_bpe", "llama2_bpe"};

std::unique_ptr<Tokenizer> load(const std::string& name) {
  return load_tokenizer(test::fixture("tokenizers/" + name));
}

TEST(BpeTokenizer, MatchesTransformersOnMixedText) {
  for (const std::string& name : kBpeNames) {
    auto tok = load(name);
    ASSERT_EQ(tok->kind(), "bpe");
    for (const json& c : reference()[name]["encode"]) {
      const std::string text = c["text"];
      SCOPED_TRACE(name + " text='" + text + "'");
      EXPECT_EQ(tok->encode(text, false), c["ids"].get<std::vector<int64_t>>());
      EXPECT_EQ(tok->encode(text, true), c["ids_special"].get<std::vector<int64_t>>());
    }
  }
}

TEST(BpeTokenizer, DecodeMatchesTransformers) {
  for (const std::string& name : kBpeNames) {
    auto tok = load(name);
    for (const json& c : reference()[name]["encode"]) {
      SCOPED_TRACE(name + " text='" + c["text"].get<std::string>() + "'");
      const auto ids = c["ids"].get<std::vector<int64_t>>();
      EXPECT_EQ(tok->decode(ids, false), c["decode"].get<std::string>());
      EXPECT_EQ(tok->decode(ids, true), c["decode_skip"].get<std::string>());
    }
    for (const json& c : reference()[name]["decode"]) {
      const auto ids = c["ids"].get<std::vector<int64_t>>();
      SCOPED_TRACE(name + " ids=" + c["ids"].dump());
      EXPECT_EQ(tok->decode(ids, false), c["text"].get<std::string>());
      EXPECT_EQ(tok->decode(ids, true), c["text_skip"].get<std::string>());
    }
  }
}

TEST(BpeTokenizer, LongTextMatchesTransformers) {
  for (const std::string& name : kBpeNames) {
    SCOPED_TRACE(name);
    auto tok = load(name);
    const json& c = reference()[name]["long"];
    const auto want = c["ids"].get<std::vector<int64_t>>();
    EXPECT_EQ(tok->encode(c["text"].get<std::string>(), false), want);
    // Second pass hits the word cache.
    EXPECT_EQ(tok->encode(c["text"].get<std::string>(), false), want);
  }
}

TEST(BpeTokenizer, VocabAndSpecialTokensMatchTransformers) {
  for (const std::string& name : kBpeNames) {
    SCOPED_TRACE(name);
    auto tok = load(name);
    const json& r = reference()[name];
    EXPECT_EQ(tok->vocab_size(), r["vocab_size"].get<int64_t>());
    EXPECT_EQ(tok->special_tokens().bos_id, r["bos_id"].is_null() ? -1 : r["bos_id"].get<int64_t>());
    EXPECT_EQ(tok->special_tokens().pad_id, r["pad_id"].is_null() ? -1 : r["pad_id"].get<int64_t>());
    ASSERT_FALSE(tok->special_tokens().eos_ids.empty());
    EXPECT_EQ(tok->special_tokens().eos_ids.front(), r["eos_id"].get<int64_t>());
  }
}

TEST(BpeTokenizer, AddedTokensAreSingleIds) {
  auto tok = load("tiny_bpe");
  EXPECT_EQ(tok->token_to_id("<|im_start|>"), 1);
  EXPECT_EQ(tok->id_to_token(2), "<|im_end|>");
  EXPECT_TRUE(tok->is_special(2));
  EXPECT_FALSE(tok->is_special(100));
  const auto ids = tok->encode("<|im_start|>user", false);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(tok->decode(ids, true), "user");
}

TEST(BpeTokenizer, MissingFileNamesThePath) {
  try {
    BpeTokenizer::load(test::temp_dir("bpe_missing") / "tokenizer.json");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json: cannot open"), std::string::npos) << e.what();
  }
}

void expect_format_error(const json& spec, const std::string& needle) {
  try {
    BpeTokenizer tok(spec, "x/tokenizer.json");
    FAIL() << "expected FormatError containing " << needle;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BpeTokenizer, MalformedJsonNamesTheField) {
  json good = test::read_json(test::fixture("tokenizers/tiny_bpe/tokenizer.json"));
  json spec = good;
  spec.erase("model");
  expect_format_error(spec, "x/tokenizer.json: field 'model' is missing");
  spec = good;
  spec["model"]["type"] = "Unigram";
  expect_format_error(spec, "field 'model.type' is 'Unigram'");
  spec = good;
  spec["model"]["merges"][3] = 7;
  expect_format_error(spec, "field 'model.merges[3]' is 7");
  spec = good;
  spec["pre_tokenizer"]["pretokenizers"][1]["type"] = "Nonsense";
  expect_format_error(spec, "field 'pre_tokenizer.pretokenizers[1].type' is 'Nonsense'");
  spec = good;
  spec["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  expect_format_error(spec, "regex does not compile");
}

TEST(BpeTokenizer, InvalidJsonFileIsFormatError) {
  const auto dir = test::temp_dir("bpe_bad_json");
  std::ofstream(dir / "tokenizer.json") << "{\"model\": ";
  EXPECT_THROW(load_tokenizer(dir), FormatError);
}

}  // namespace
}  // namespace lorag::model::text
