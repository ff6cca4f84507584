// SPDX-License-Identifier: Apache-2.0
#include "eval/comparison.h"

#include <gtest/gtest.h>

#include "model/core/error.h"
#include "eval/report_text.h"
#include "tests/eval/sample_comparison.h"

namespace lorag::eval {
namespace {

Question q(std::string id, std::vector<std::string> answers, std::vector<std::string> docs = {}) {
  return Question{id, "question " + id, std::move(answers), std::move(docs)};
}

SystemAnswer ans(std::string system, std::size_t question, std::string text) {
  SystemAnswer a;
  a.system = std::move(system);
  a.question = question;
  a.answer = std::move(text);
  return a;
}

TEST(ScoreAnswer, AnswerableQuestionGetsTextMetricsOnly) {
  SystemAnswer a = ans("base", 0, "The cat sat.");
  a.latency_s = 2;
  a.tokens_generated = 10;
  const ScoredAnswer r = score_answer(q("q1", {"a cat sat on the mat"}, {"d1"}), a, EvalConfig{});
  EXPECT_EQ(*r[Metric::kExactMatch], 0.0);
  EXPECT_NEAR(*r[Metric::kTokenF1], 2.0 / 3, 1e-12);  // see TokenF1.BagOfTokensOverlap
  EXPECT_NEAR(*r[Metric::kRougeL], 2.0 / 3, 1e-12);   // LCS [cat, sat] = 2, P = 1, R = 1/2
  EXPECT_EQ(*r[Metric::kAbstained], 0.0);
  EXPECT_FALSE(r[Metric::kCorrectAbstention]);
  EXPECT_FALSE(r[Metric::kHitAtK]);  // no retrieval
  EXPECT_FALSE(r[Metric::kJudgeScore]);
  EXPECT_EQ(*r[Metric::kLatency], 2.0);
  EXPECT_EQ(*r[Metric::kTokensPerSecond], 5.0);
}

TEST(ScoreAnswer, UnanswerableQuestionRewardsAbstention) {
  const Question unanswerable = q("q2", {});
  const ScoredAnswer yes = score_answer(unanswerable, ans("rag", 0, "Not enough information."), EvalConfig{});
  EXPECT_EQ(*yes[Metric::kCorrectAbstention], 1.0);
  EXPECT_EQ(*yes[Metric::kAbstained], 1.0);
  EXPECT_FALSE(yes[Metric::kExactMatch]);
  const ScoredAnswer no = score_answer(unanswerable, ans("base", 0, "Paris."), EvalConfig{});
  EXPECT_EQ(*no[Metric::kCorrectAbstention], 0.0);
  EXPECT_FALSE(no[Metric::kLatency]);  // not measured
}

TEST(ScoreAnswer, RetrievalMetricsUseFirstKSources) {
  SystemAnswer a = ans("rag", 0, "x");
  a.uses_retrieval = true;
  a.sources = {{"d9", 0.9}, {"d1", 0.8}, {"d2", 0.7}};
  EvalConfig cfg;
  cfg.k = 2;
  const ScoredAnswer r = score_answer(q("q1", {"x"}, {"d1", "d2"}), a, cfg);
  EXPECT_EQ(*r[Metric::kHitAtK], 1.0);
  EXPECT_EQ(*r[Metric::kRecallAtK], 0.5);
  a.sources.clear();  // a RAG system that found nothing still counts: a miss
  EXPECT_EQ(*score_answer(q("q1", {"x"}, {"d1"}), a, cfg)[Metric::kHitAtK], 0.0);
}

TEST(CompareSystems, SummariesAndPairsPerMetric) {
  const auto qs = testing::sample_questions();
  const Comparison c = compare_systems(qs, testing::sample_answers(qs), EvalConfig{});
  EXPECT_EQ(c.systems, (std::vector<std::string>{"base", "rag", "finetuned", "hybrid"}));
  ASSERT_EQ(c.rows.size(), 64u);
  EXPECT_EQ(c.rows[1].answer.system, "rag");
  EXPECT_EQ(c.rows[4].answer.question, 1u);
  // rag is right where q % 7 != 6; of the 12 answerable questions it misses q = 6 and 13.
  const SystemSummary* em = c.find("rag", Metric::kExactMatch);
  ASSERT_NE(em, nullptr);
  EXPECT_EQ(em->ci.n, 12u);
  EXPECT_DOUBLE_EQ(em->ci.mean, 10.0 / 12);
  EXPECT_LE(em->ci.low, em->ci.mean);
  EXPECT_GE(em->ci.high, em->ci.mean);
  EXPECT_DOUBLE_EQ(c.find("rag", Metric::kCorrectAbstention)->ci.mean, 1.0);
  EXPECT_DOUBLE_EQ(c.find("base", Metric::kCorrectAbstention)->ci.mean, 0.0);
  EXPECT_EQ(c.find("base", Metric::kHitAtK), nullptr);
  // hybrid's first source is the gold doc on every question with gold ids; rag's never is.
  EXPECT_DOUBLE_EQ(c.find("hybrid", Metric::kHitAtK)->ci.mean, 1.0);
  bool saw_em_pair = false;
  for (const auto& p : c.pairs) {
    if (p.metric == Metric::kHitAtK) EXPECT_TRUE(p.system_a == "rag" && p.system_b == "hybrid");
    if (p.metric == Metric::kExactMatch && p.system_a == "base" && p.system_b == "rag") {
      saw_em_pair = true;
      EXPECT_EQ(p.test.n, 12u);
      EXPECT_LT(p.test.mean_diff, 0);
      EXPECT_TRUE(p.test.significant);
    }
  }
  EXPECT_TRUE(saw_em_pair);
  // Same inputs, same seed: same intervals.
  const Comparison again = compare_systems(qs, testing::sample_answers(qs), EvalConfig{});
  EXPECT_EQ(again.find("rag", Metric::kTokenF1)->ci.low, c.find("rag", Metric::kTokenF1)->ci.low);
}

TEST(CompareSystems, IdenticalSystemsAreNotSignificant) {
  std::vector<Question> qs;
  std::vector<SystemAnswer> answers;
  for (int i = 0; i < 20; ++i) {
    qs.push_back(q("q" + std::to_string(i), {"answer " + std::to_string(i)}));
    const std::string text = i % 2 ? "answer " + std::to_string(i) : "wrong";
    answers.push_back(ans("one", i, text));
    answers.push_back(ans("two", i, text));
  }
  const Comparison c = compare_systems(qs, answers, EvalConfig{});
  ASSERT_FALSE(c.pairs.empty());
  for (const auto& p : c.pairs) {
    EXPECT_EQ(p.test.p_value, 1.0);
    EXPECT_FALSE(p.test.significant);
  }
}

TEST(CompareSystems, RejectsBadRecords) {
  const std::vector<Question> qs{q("q1", {"x"})};
  try {
    compare_systems(qs, {ans("base", 3, "x")}, EvalConfig{});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("names question index 3, but there are 1 questions"), std::string::npos);
  }
  try {
    compare_systems(qs, {ans("base", 0, "x"), ans("base", 0, "y")}, EvalConfig{});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("system 'base' answered question 'q1' twice"), std::string::npos);
  }
  EvalConfig bad;
  bad.alpha = 0;
  EXPECT_THROW(compare_systems(qs, {}, bad), ConfigError);
}

TEST(SummaryTable, AlignedRowsWithIntervalsAndSignificantPairs) {
  const auto qs = testing::sample_questions();
  const Comparison c = compare_systems(qs, testing::sample_answers(qs), EvalConfig{});
  const std::string table = format_summary_table(c);
  EXPECT_EQ(table.rfind("system", 0), 0u);
  EXPECT_NE(table.find("hit@5"), std::string::npos);
  EXPECT_NE(table.find("EM"), std::string::npos);
  EXPECT_NE(table.find("\nhybrid "), std::string::npos);
  EXPECT_NE(table.find("1.000 [1.000, 1.000]"), std::string::npos);  // rag's correct abstention
  EXPECT_NE(table.find("rag better than base on EM"), std::string::npos);
  EXPECT_EQ(table.back(), '\n');
}

}  // namespace
}  // namespace lorag::eval
