// SPDX-License-Identifier: Apache-2.0
// Batched generation against transformers' generate() on the tiny fixtures.
#include "infer/generator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/core/error.h"
#include "tests/model/model_test_util.h"

namespace lorag::infer {
namespace {

// Spells every id as "<id>" so generation tests need no real vocabulary.
class IdTokenizer : public text::Tokenizer {
 public:
  explicit IdTokenizer(int64_t vocab) : vocab_(vocab) { special_.eos_ids = {2}; special_.pad_id = 0; }
  std::vector<int64_t> encode(std::string_view, bool) const override { return {}; }
  std::string decode(const std::vector<int64_t>& ids, bool skip) const override { return decode_bytes(ids, skip); }
  std::string decode_bytes(const std::vector<int64_t>& ids, bool) const override {
    std::string out;
    for (auto id : ids) out += "<" + std::to_string(id) + ">";
    return out;
  }
  int64_t vocab_size() const override { return vocab_; }
  std::optional<int64_t> token_to_id(std::string_view) const override { return std::nullopt; }
  std::string id_to_token(int64_t id) const override { return "<" + std::to_string(id) + ">"; }
  bool is_special(int64_t) const override { return false; }
  const text::SpecialTokens& special_tokens() const override { return special_; }
  std::string kind() const override { return "ids"; }

 private:
  int64_t vocab_;
  text::SpecialTokens special_;
};

std::vector<int64_t> row(const torch::Tensor& t, int64_t b) {
  auto r = t[b].contiguous();
  return {r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel()};
}

struct Harness {
  test::FixtureModel m;
  std::unique_ptr<Generator> gen;
  explicit Harness(const std::string& name) : m(test::load_fixture_model(name)) {
    gen = std::make_unique<Generator>(m.net, std::make_shared<IdTokenizer>(m.config.vocab_size));
  }
};

GenerateConfig greedy(int64_t n) { return {.max_new_tokens = n, .ignore_eos = true}; }

class GeneratorParity : public ::testing::TestWithParam<std::string> {};

TEST_P(GeneratorParity, GreedyMatchesTransformersForOnePrompt) {
  Harness h(GetParam());
  auto prompt = row(h.m.reference["input_ids"].narrow(1, 0, 10), 0);
  auto expected = row(h.m.reference["gen_single"], 0);  // 32 tokens
  auto results = h.gen->generate({prompt}, greedy(expected.size()));
  EXPECT_EQ(results[0].token_ids, expected);
  EXPECT_EQ(results[0].finish_reason, "length");
}

TEST_P(GeneratorParity, GreedyMatchesTransformersForLeftPaddedBatch) {
  Harness h(GetParam());
  auto ids = h.m.reference["padded_ids"];
  auto mask = h.m.reference["padded_mask"];
  std::vector<std::vector<int64_t>> prompts;
  for (int64_t b = 0; b < ids.size(0); ++b) prompts.push_back(row(ids[b].masked_select(mask[b].to(torch::kBool)).unsqueeze(0), 0));
  const int64_t n = h.m.reference["gen_padded"].size(1);
  auto results = h.gen->generate(prompts, greedy(n));
  for (int64_t b = 0; b < ids.size(0); ++b) {
    EXPECT_EQ(results[b].token_ids, row(h.m.reference["gen_padded"], b)) << "row " << b;
    // ...and each row equals generating that prompt alone, except under dynamic
    // NTK, whose frequencies follow the longest row of the batch, and longrope,
    // which switches to the long factors at the batch's padded length (both as in transformers).
    if (h.m.config.rope_scaling.type != "dynamic" && h.m.config.rope_scaling.type != "longrope") {
      EXPECT_EQ(results[b].token_ids, h.gen->generate({prompts[b]}, greedy(n))[0].token_ids) << "row " << b;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GeneratorParity,
                         ::testing::Values("llama", "llama_tied", "llama_rope_dynamic", "mistral", "qwen2",
                                           "gemma3", "gemma3_softcap", "phi3", "phi3_longrope", "phi3_longrope_partial",
                                           "qwen3", "qwen3_tied", "phi"),
                         [](const auto& info) { return info.param; });

TEST(Generator, GreedyIsDeterministic) {
  Harness h("llama");
  auto prompt = row(h.m.reference["input_ids"], 1);
  EXPECT_EQ(h.gen->generate({prompt}, greedy(16))[0].token_ids, h.gen->generate({prompt}, greedy(16))[0].token_ids);
}

TEST(Generator, SamplingRepeatsWithTheSameSeedAndVariesWithAnother) {
  Harness h("llama");
  auto prompt = row(h.m.reference["input_ids"], 1);
  GenerateConfig c{.max_new_tokens = 24, .temperature = 1.5, .ignore_eos = true, .seed = 11};
  auto first = h.gen->generate({prompt}, c)[0].token_ids;
  EXPECT_EQ(first, h.gen->generate({prompt}, c)[0].token_ids);
  c.seed = 12;
  EXPECT_NE(first, h.gen->generate({prompt}, c)[0].token_ids);
}

TEST(Generator, TopKOneSamplingEqualsGreedy) {
  Harness h("qwen2");
  auto prompt = row(h.m.reference["input_ids"], 0);
  GenerateConfig sampled{.max_new_tokens = 16, .temperature = 1.3, .top_k = 1, .ignore_eos = true, .seed = 3};
  EXPECT_EQ(h.gen->generate({prompt}, sampled)[0].token_ids, h.gen->generate({prompt}, greedy(16))[0].token_ids);
}

TEST(Generator, RejectsPromptLongerThanTheContext) {
  Harness h("llama");
  std::vector<int64_t> prompt(h.m.config.context_length() + 1, 5);
  try {
    h.gen->generate({prompt}, greedy(4));
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("does not fit the model's context of 128 tokens"), std::string::npos)
        << e.what();
  }
}

TEST(Generator, LowersMaxNewTokensToFitTheContext) {
  Harness h("llama");
  std::vector<int64_t> prompt(h.m.config.context_length() - 3, 5);
  auto result = h.gen->generate({prompt}, greedy(50))[0];
  EXPECT_EQ(result.token_ids.size(), 3u);
  EXPECT_EQ(result.finish_reason, "length");
}

TEST(Generator, StopsAtEndOfSequenceWithoutEmittingIt) {
  Harness h("llama");
  auto prompt = row(h.m.reference["input_ids"].narrow(1, 0, 10), 0);
  auto expected = row(h.m.reference["gen_single"], 0);
  GenerateConfig c = greedy(12);
  c.ignore_eos = false;
  c.stop_token_ids = {expected[4]};  // the 5th greedy token now ends the turn
  auto result = h.gen->generate({prompt}, c)[0];
  EXPECT_EQ(result.finish_reason, "eos");
  auto first_stop = std::find(expected.begin(), expected.end(), expected[4]) - expected.begin();
  EXPECT_EQ(result.token_ids, std::vector<int64_t>(expected.begin(), expected.begin() + first_stop));
}

TEST(Generator, StopStringCutsTextAndStreamsOnlyWhatIsShown) {
  Harness h("llama");
  auto prompt = row(h.m.reference["input_ids"].narrow(1, 0, 10), 0);
  auto expected = row(h.m.reference["gen_single"], 0);
  GenerateConfig c = greedy(12);
  c.stop = {"<" + std::to_string(expected[3]) + ">"};
  std::string streamed;
  auto result = h.gen->generate({prompt}, c, [&](size_t, const std::string& t) { streamed += t; })[0];
  EXPECT_EQ(result.finish_reason, "stop");
  EXPECT_EQ(result.text.find(c.stop[0]), std::string::npos);
  EXPECT_EQ(streamed, result.text);
}

TEST(Generator, RejectsEmptyAndOutOfVocabularyPrompts) {
  Harness h("llama");
  EXPECT_THROW(h.gen->generate({{}}, greedy(4)), UsageError);
  try {
    h.gen->generate({{5, 100000}}, greedy(4));
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("token id 100000 is outside the vocabulary"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lorag::infer
