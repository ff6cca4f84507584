// SPDX-License-Identifier: Apache-2.0
#include "eval/metrics.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace lorag::eval {
namespace {

constexpr double kTol = 1e-12;

TEST(NormalizeAnswer, LowersDropsPunctuationArticlesAndSpaces) {
  // "The  Eiffel-Tower!" -> lower -> drop "-" and "!" -> "the  eiffeltower" -> "the" -> " " -> collapse.
  EXPECT_EQ(normalize_answer("The  Eiffel-Tower!"), "eiffeltower");
  // Articles only as whole words: "theory", "another", "ant" stay.
  EXPECT_EQ(normalize_answer("An ant, another theory; the END."), "ant another theory end");
  EXPECT_EQ(normalize_answer(" \t\n"), "");
  EXPECT_EQ(normalize_answer("a an the"), "");
  EXPECT_TRUE(answer_tokens("The.").empty());
}

TEST(ExactMatch, ComparesNormalisedTexts) {
  EXPECT_EQ(exact_match("The Eiffel Tower.", "eiffel tower"), 1.0);
  EXPECT_EQ(exact_match("Eiffel Towers", "eiffel tower"), 0.0);
  EXPECT_EQ(exact_match("", ""), 1.0);
}

TEST(TokenF1, BagOfTokensOverlap) {
  // pred [cat, sat], gold [cat, sat, on, mat]: common 2, P = 2/2, R = 2/4, F1 = 2*1*0.5/1.5 = 2/3.
  EXPECT_NEAR(token_f1("the cat sat", "a cat sat on the mat"), 2.0 / 3, kTol);
  // Multiset overlap: pred [cat, cat, cat], gold [cat, dog]: common min(3,1) = 1,
  // P = 1/3, R = 1/2, F1 = 2*(1/6)/(5/6) = 0.4.
  EXPECT_NEAR(token_f1("cat cat cat", "cat dog"), 0.4, kTol);
  EXPECT_EQ(token_f1("dog", "cat"), 0.0);
  // Both empty after normalisation: 1; one empty: 0 (SQuAD v2 convention).
  EXPECT_EQ(token_f1("the", "a"), 1.0);
  EXPECT_EQ(token_f1("", "cat"), 0.0);
}

TEST(RougeL, LongestCommonSubsequenceFMeasure) {
  // pred [w1..w5], ref [w1 x w3 y w5 w2]: LCS w1 w3 w5 = 3, P = 3/5, R = 3/6,
  // F = 2*0.6*0.5/1.1 = 6/11.
  EXPECT_NEAR(rouge_l("w1 w2 w3 w4 w5", "w1 x w3 y w5 w2"), 6.0 / 11, kTol);
  // pred [police, killed, gunman], ref [gunman, was, killed, by, police]: every
  // pair of pred tokens appears reversed in ref, LCS = 1, P = 1/3, R = 1/5, F = 0.25.
  EXPECT_NEAR(rouge_l("police killed the gunman", "the gunman was killed by police"), 0.25, kTol);
  EXPECT_EQ(rouge_l("same words here", "Same words, here!"), 1.0);
  // rouge-score returns 0 when either side has no tokens, even both.
  EXPECT_EQ(rouge_l("", ""), 0.0);
  EXPECT_EQ(rouge_l("the", "cat"), 0.0);
}

TEST(BestOverReferences, TakesMaxAndIsUndefinedWithoutReferences) {
  const std::vector<std::string> refs{"Paris", "the city of Paris"};
  EXPECT_EQ(*best_exact_match("paris", refs), 1.0);
  // vs "the city of paris" -> [city, of, paris]: common [city, paris] = 2, P = 1, R = 2/3, F1 = 0.8;
  // vs "paris": common 1, P = 1/2, R = 1, F1 = 2/3. Max 0.8.
  EXPECT_NEAR(*best_token_f1("city paris", refs), 0.8, kTol);
  EXPECT_FALSE(best_token_f1("anything", {}).has_value());
  EXPECT_FALSE(best_rouge_l("anything", {}).has_value());
}

TEST(MetricsReference, MatchesSquadScriptAndRougeScoreAlgorithm) {
  const auto ref = test::read_json(test::fixture("eval/metrics.json"));
  ASSERT_GT(ref["squad"].size(), 10u);
  for (const auto& c : ref["squad"]) {
    const std::string p = c["prediction"], r = c["reference"];
    SCOPED_TRACE(p + " | " + r);
    EXPECT_EQ(normalize_answer(p), c["normalized_prediction"].get<std::string>());
    EXPECT_EQ(exact_match(p, r), c["exact_match"].get<double>());
    EXPECT_NEAR(token_f1(p, r), c["token_f1"].get<double>(), kTol);
  }
  for (const auto& c : ref["rouge_l"]) {
    const std::string p = c["prediction"], r = c["reference"];
    SCOPED_TRACE(p + " | " + r);
    EXPECT_NEAR(rouge_l(p, r), c["rouge_l"].get<double>(), kTol);
  }
}

TEST(Abstention, DetectsPhrasesAndEmptyAnswers) {
  const auto phrases = default_abstain_phrases();
  EXPECT_TRUE(is_abstention("I don\xE2\x80\x99t know.", phrases));  // typographic apostrophe
  EXPECT_TRUE(is_abstention("The context does NOT\n contain that.", phrases));
  EXPECT_TRUE(is_abstention("There is not enough information to answer.", phrases));
  EXPECT_TRUE(is_abstention("", phrases));
  EXPECT_TRUE(is_abstention(" \n\t", phrases));
  EXPECT_FALSE(is_abstention("Paris is the capital of France.", phrases));
  EXPECT_FALSE(is_abstention("I know this one: 42.", phrases));
  EXPECT_TRUE(is_abstention("No idea.", {"no idea"}));
  EXPECT_FALSE(is_abstention("I don't know.", {"no idea"}));
}

TEST(RetrievalMetrics, HitAndRecallAtK) {
  const std::vector<std::string> retrieved{"d3", "d1", "d3", "d2"};
  const std::vector<std::string> gold{"d2", "d1"};
  // k = 2: top {d3, d1}: a gold doc is there (hit 1), 1 of 2 gold docs (recall 0.5).
  EXPECT_EQ(*hit_at_k(retrieved, gold, 2), 1.0);
  EXPECT_EQ(*recall_at_k(retrieved, gold, 2), 0.5);
  EXPECT_EQ(*hit_at_k(retrieved, gold, 1), 0.0);
  EXPECT_EQ(*recall_at_k(retrieved, gold, 1), 0.0);
  EXPECT_EQ(*recall_at_k(retrieved, gold, 0), 1.0);  // every retrieved id
  EXPECT_EQ(*recall_at_k(retrieved, {"d1", "d1"}, 4), 1.0);  // gold ids count once
  EXPECT_EQ(*hit_at_k({}, gold, 5), 0.0);
  EXPECT_FALSE(hit_at_k(retrieved, {}, 5).has_value());
  EXPECT_FALSE(recall_at_k(retrieved, {}, 5).has_value());
}

}  // namespace
}  // namespace lorag::eval
