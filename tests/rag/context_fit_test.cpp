// SPDX-License-Identifier: Apache-2.0
// Context fitting: the prompt plus max_new_tokens never exceeds the window, and
// passages are dropped lowest rank first (seeded property tests, then the real
// chat_bpe tokenizer and template).
#include "rag/context_fit.h"

#include <gtest/gtest.h>

#include <random>

#include "model/core/error.h"
#include "model/text/chat_template.h"
#include "model/text/utf8.h"
#include "rag/grounded_prompt.h"
#include "tests/test_util.h"

namespace lorag::rag {
namespace {

// One token per byte, so counts and cuts are easy to predict.
class ByteTokenizer : public model::text::Tokenizer {
 public:
  std::vector<int64_t> encode(std::string_view s, bool) const override {
    return {s.begin(), s.end()};
  }
  std::string decode(const std::vector<int64_t>& ids, bool) const override { return decode_bytes(ids, false); }
  std::string decode_bytes(const std::vector<int64_t>& ids, bool) const override {
    std::string out;
    for (auto id : ids) out += static_cast<char>(id);
    return out;
  }
  int64_t vocab_size() const override { return 256; }
  std::optional<int64_t> token_to_id(std::string_view) const override { return std::nullopt; }
  std::string id_to_token(int64_t id) const override { return std::string(1, static_cast<char>(id)); }
  bool is_special(int64_t) const override { return false; }
  const model::text::SpecialTokens& special_tokens() const override { return special_; }
  std::string kind() const override { return "bytes"; }

 private:
  model::text::SpecialTokens special_;
};

Hit make_hit(int64_t id, std::string text) {
  Hit h;
  h.chunk.id = id;
  h.chunk.doc_id = "doc" + std::to_string(id);
  h.chunk.text = std::move(text);
  h.score = 1.0f / static_cast<float>(id + 1);
  return h;
}

// overhead + per passage (header + text bytes).
PromptTokenCounter byte_counter(int64_t overhead, int64_t header) {
  return [=](const std::vector<Hit>& hits) {
    int64_t n = overhead;
    for (const auto& h : hits) n += header + static_cast<int64_t>(h.chunk.text.size());
    return n;
  };
}

TEST(ContextFit, RandomCasesNeverOverflowAndDropLowestRankFirst) {
  std::mt19937 rng(1234);
  const ByteTokenizer tokenizer;
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int fitted_all = 0, dropped_some = 0, cut_some = 0, refused = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<Hit> ranked;
    const int64_t n = uniform(0, 12);
    for (int64_t i = 0; i < n; ++i) ranked.push_back(make_hit(i, std::string(uniform(1, 300), 'a' + i % 26)));
    const auto count = byte_counter(uniform(5, 80), uniform(0, 12));
    ContextFitConfig config;
    config.context_length = uniform(64, 2500);
    config.max_new_tokens = uniform(1, 600);
    config.cut_passage = iter % 2 == 1;
    config.min_cut_tokens = uniform(1, 40);
    if (count({}) > config.prompt_budget()) {
      EXPECT_THROW(fit_context(ranked, count, config, &tokenizer), UsageError);
      ++refused;
      continue;
    }
    const auto fit = fit_context(ranked, count, config, &tokenizer);
    SCOPED_TRACE("iteration " + std::to_string(iter));
    // The budget holds, measured independently.
    ASSERT_EQ(fit.prompt_tokens, count(fit.passages));
    ASSERT_LE(fit.prompt_tokens + config.max_new_tokens, config.context_length);
    // Kept passages are the top ranks, in order; what is dropped is the rest.
    const auto k = static_cast<int64_t>(fit.passages.size());
    ASSERT_LE(k, n);
    ASSERT_EQ(fit.dropped, n - k);
    for (int64_t i = 0; i < k; ++i) {
      ASSERT_EQ(fit.passages[i].chunk.id, ranked[i].chunk.id);
      if (i + 1 < k || !fit.cut) ASSERT_EQ(fit.passages[i].chunk.text, ranked[i].chunk.text);
    }
    ASSERT_TRUE(!fit.cut || config.cut_passage);
    if (fit.cut) {
      // A strict prefix of the passage, at least min_cut_tokens long, and one more token would not fit.
      const auto& cut = fit.passages.back().chunk.text;
      const auto& full = ranked[k - 1].chunk.text;
      ASSERT_LT(cut.size(), full.size());
      ASSERT_EQ(full.substr(0, cut.size()), cut);
      ASSERT_GE(static_cast<int64_t>(cut.size()), config.min_cut_tokens);
      ASSERT_GT(fit.prompt_tokens + 1, config.prompt_budget());
      ++cut_some;
    } else if (k < n) {
      // Nothing more fits: not the next passage whole, nor (when cutting) its min_cut_tokens.
      auto more = fit.passages;
      more.push_back(ranked[k]);
      ASSERT_GT(count(more), config.prompt_budget());
      if (config.cut_passage && static_cast<int64_t>(ranked[k].chunk.text.size()) > config.min_cut_tokens) {
        more.back().chunk.text.resize(config.min_cut_tokens);
        ASSERT_GT(count(more), config.prompt_budget());
      }
      ++dropped_some;
    } else {
      ++fitted_all;
    }
  }
  // The generator covers every outcome.
  EXPECT_GT(fitted_all, 50);
  EXPECT_GT(dropped_some, 50);
  EXPECT_GT(cut_some, 50);
  EXPECT_GT(refused, 10);
}

TEST(ContextFit, EverythingFitsMeasuresOnce) {
  int calls = 0;
  const auto inner = byte_counter(10, 2);
  const PromptTokenCounter count = [&](const std::vector<Hit>& h) { ++calls; return inner(h); };
  ContextFitConfig config;
  config.context_length = 100;
  config.max_new_tokens = 20;
  const auto fit = fit_context({make_hit(0, "abc"), make_hit(1, "de")}, count, config);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(fit.dropped, 0);
  EXPECT_EQ(fit.prompt_tokens, 19);
}

TEST(ContextFit, WholePassagesByDefault) {
  ContextFitConfig config;
  config.context_length = 40;
  config.max_new_tokens = 10;  // budget 30
  const auto fit = fit_context({make_hit(0, std::string(15, 'x')), make_hit(1, std::string(20, 'y')),
                                make_hit(2, "z")},
                               byte_counter(10, 0), config);
  ASSERT_EQ(fit.passages.size(), 1u);  // "z" would fit after dropping "y", but lower ranks go first
  EXPECT_EQ(fit.dropped, 2);
  EXPECT_FALSE(fit.cut);
  EXPECT_EQ(fit.prompt_tokens, 25);
}

TEST(ContextFit, PromptWithoutPassagesTooLongIsAUsageError) {
  ContextFitConfig config;
  config.context_length = 50;
  config.max_new_tokens = 30;
  try {
    fit_context({make_hit(0, "a")}, byte_counter(25, 0), config);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("prompt without context passages is 25 tokens"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("context of 50 tokens"), std::string::npos) << e.what();
  }
  config.max_new_tokens = 0;
  EXPECT_THROW(fit_context({}, byte_counter(1, 0), config), ConfigError);
}

// The real tokenizer and template of the tiny chat model: token counts of the
// rendered prompt stay within the budget, and a cut passage is valid UTF-8.
TEST(ContextFit, RealTokenizerAndTemplateStayWithinBudget) {
  const auto dir = test::fixture("models/chat_bpe");
  const auto tokenizer = model::text::load_tokenizer(dir);
  const auto tmpl = model::text::ChatTemplate::from_model_dir(dir);
  ASSERT_TRUE(tmpl.has_value());
  const PromptTokenCounter count = [&](const std::vector<Hit>& hits) {
    const auto text = tmpl->render(grounded_messages("What is the policy?", hits, {}), true,
                                   tokenizer->special_tokens());
    return static_cast<int64_t>(tokenizer->encode(text, false).size());
  };
  const std::vector<std::string> words = {"leave", "policy", "déjà", "vu", "日本語", "tokens", "25", "days", "—", "ok."};
  std::mt19937 rng(7);
  int dropped = 0, cut = 0;
  for (int iter = 0; iter < 60; ++iter) {
    std::vector<Hit> ranked;
    for (int i = 0; i < 6; ++i) {
      std::string text;
      const int n = std::uniform_int_distribution<int>(5, 80)(rng);
      for (int w = 0; w < n; ++w) text += words[rng() % words.size()] + " ";
      ranked.push_back(make_hit(i, text));
    }
    ContextFitConfig config;
    config.context_length = std::uniform_int_distribution<int>(250, 1500)(rng);
    config.max_new_tokens = 16;
    config.cut_passage = iter % 2 == 0;
    config.min_cut_tokens = 4;
    const auto fit = fit_context(ranked, count, config, tokenizer.get());
    ASSERT_EQ(fit.prompt_tokens, count(fit.passages));
    ASSERT_LE(fit.prompt_tokens + config.max_new_tokens, config.context_length);
    for (size_t i = 0; i < fit.passages.size(); ++i) {
      EXPECT_EQ(fit.passages[i].chunk.id, ranked[i].chunk.id);
      EXPECT_TRUE(model::text::utf8::is_valid(fit.passages[i].chunk.text));
    }
    dropped += fit.dropped > 0;
    if (fit.cut) {
      ++cut;
      const auto& text = fit.passages.back().chunk.text;
      EXPECT_EQ(ranked[fit.passages.size() - 1].chunk.text.rfind(text, 0), 0u) << text;
    }
  }
  EXPECT_GT(dropped, 10);
  EXPECT_GT(cut, 5);
}

}  // namespace
}  // namespace lorag::rag
