// SPDX-License-Identifier: Apache-2.0
// llama.cpp's pre-tokenizer families (model/text/llama_cpp_pre.cpp,
// model/gguf_tokenizer.cpp): for each `tokenizer.ggml.pre` family, the
// tokenizer.json HF `tokenizers` trained with that family's regexes and the
// vocab-only GGUF written from it with gguf-py (under every alias llama.cpp maps
// to the family) give HF `tokenizers`' ids on a demanding fixed string set
// (scripts/fixtures/pre_tokenizers.py).
#include <gtest/gtest.h>

#include "model/core/error.h"
#include "model/formats/gguf_file.h"
#include "model/gguf_tokenizer.h"
#include "model/text/bpe_tokenizer.h"
#include "model/text/llama_cpp_pre.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

class PreTokenizerFamily : public ::testing::TestWithParam<std::string> {
 protected:
  std::filesystem::path dir() const { return fixture("pre_tokenizers/" + GetParam()); }
};

TEST_P(PreTokenizerFamily, TokenizerJsonMatchesHfTokenizers) {
  const auto tok = model::text::BpeTokenizer::load(dir() / "tokenizer.json");
  for (const auto& c : read_json(dir() / "reference.json")["cases"]) {
    const auto text = c["text"].get<std::string>();
    EXPECT_EQ(tok->encode(text, false), c["ids"].get<std::vector<int64_t>>()) << "'" << text << "'";
  }
}

TEST_P(PreTokenizerFamily, VocabOnlyGgufMatchesHfTokenizersUnderEveryAlias) {
  const auto ref = read_json(dir() / "reference.json");
  for (const auto& name : ref["gguf"]) {
    SCOPED_TRACE(name.get<std::string>());
    const auto file = model::formats::GgufFile::open(dir() / ("vocab." + name.get<std::string>() + ".gguf"));
    EXPECT_TRUE(file.tensors().empty());
    const auto tok = model::load_gguf_tokenizer(file);
    for (const auto& c : ref["cases"]) {
      const auto text = c["text"].get<std::string>();
      const auto ids = tok->encode(text, false);
      EXPECT_EQ(ids, c["ids"].get<std::vector<int64_t>>()) << "'" << text << "'";
      EXPECT_EQ(tok->decode(ids, false), text);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LlamaCpp, PreTokenizerFamily,
                         ::testing::Values("default", "llama-bpe", "dbrx", "deepseek-llm", "deepseek-coder",
                                           "deepseek-v3", "falcon", "gpt-2", "starcoder", "qwen2", "bloom", "viking",
                                           "tekken", "chameleon", "superbpe", "bailingmoe", "seed-coder"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name;
                         });

TEST(PreTokenizerFamily, EveryFamilyOfTheFixtureIsKnown) {
  for (const auto& name : read_json(fixture("pre_tokenizers/families.json"))) {
    EXPECT_TRUE(model::text::llama_cpp_pre_tokenizer(name.get<std::string>()).has_value()) << name;
  }
  EXPECT_FALSE(model::text::llama_cpp_pre_tokenizer("no-such-pre").has_value());
  EXPECT_TRUE(model::text::llama_cpp_pre_tokenizer("llama-bpe")->ignore_merges);
  EXPECT_FALSE(model::text::llama_cpp_pre_tokenizer("qwen2")->ignore_merges);
}

TEST(PreTokenizerFamily, UnknownNameIsAnErrorNamingItAndTheFile) {
  const auto path = fixture("pre_tokenizers/unknown_pre.gguf");
  const auto file = model::formats::GgufFile::open(path);
  const auto message = error_of<FormatError>([&] { model::load_gguf_tokenizer(file); });
  EXPECT_NE(message.find("tokenizer.ggml.pre 'no-such-pre' is not a pre-tokenizer lorag knows"), std::string::npos)
      << message;
  EXPECT_NE(message.find(file.name()), std::string::npos) << message;
  EXPECT_NE(message.find("llama-bpe"), std::string::npos) << message;
}

}  // namespace
}  // namespace lorag::test
