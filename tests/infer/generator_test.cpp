// SPDX-License-Identifier: Apache-2.0
// Batched generation against transformers' generate() on the tiny fixtures.
#include "infer/generator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/core/error.h"
#include "tests/infer/id_tokenizer.h"
#include "tests/model/model_test_util.h"

namespace lorag::infer {
namespace {

using test::IdTokenizer;

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
  // Each row equals generating that prompt alone (the engine's batch invariance),
  // and transformers' left-padded batch too, except under dynamic NTK, whose
  // frequencies follow the longest row of transformers' batch, and longrope,
  // which switches to the long factors at the batch's padded length.
  const bool batch_dependent_rope =
      h.m.config.rope_scaling.type == "dynamic" || h.m.config.rope_scaling.type == "longrope";
  for (int64_t b = 0; b < ids.size(0); ++b) {
    if (!batch_dependent_rope) EXPECT_EQ(results[b].token_ids, row(h.m.reference["gen_padded"], b)) << "row " << b;
    EXPECT_EQ(results[b].token_ids, h.gen->generate({prompts[b]}, greedy(n))[0].token_ids) << "row " << b;
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
