// SPDX-License-Identifier: Apache-2.0
#include "eval/judge.h"

#include <gtest/gtest.h>

namespace lorag::eval {
namespace {

TEST(JudgeMessages, HoldRubricQuestionReferenceAndAnswer) {
  const auto m = judge_messages("Capital of France?", "Paris", "It is Paris.");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].role, "system");
  EXPECT_NE(m[0].content.find("5 = correct and complete"), std::string::npos);
  EXPECT_NE(m[0].content.find("Score: <1-5>"), std::string::npos);
  EXPECT_EQ(m[1].role, "user");
  EXPECT_NE(m[1].content.find("Question: Capital of France?"), std::string::npos);
  EXPECT_NE(m[1].content.find("Reference answer: Paris"), std::string::npos);
  EXPECT_NE(m[1].content.find("Answer to grade: It is Paris."), std::string::npos);
}

TEST(ParseJudgeReply, ReadsTheAskedFormat) {
  auto g = parse_judge_reply("Score: 4\nReason: Correct city, but adds a wrong date.");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->score, 4);
  EXPECT_EQ(g->reason, "Correct city, but adds a wrong date.");
}

TEST(ParseJudgeReply, ToleratesCommonVariants) {
  auto md = parse_judge_reply("**Score:** 5/5\n**Reason:** Matches the reference.");
  ASSERT_TRUE(md);
  EXPECT_EQ(md->score, 5);
  EXPECT_EQ(md->reason, "Matches the reference.");
  auto json = parse_judge_reply("Here you go: {\"score\": 2, \"reason\": \"Wrong year.\"}");
  ASSERT_TRUE(json);
  EXPECT_EQ(json->score, 2);
  EXPECT_EQ(json->reason, "Wrong year.");
  auto bare = parse_judge_reply("3 - partly right");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->score, 3);
  EXPECT_EQ(bare->reason, "partly right");
  auto before = parse_judge_reply("Reasoning: it names the right person. SCORE = 5");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->score, 5);
  EXPECT_EQ(before->reason, "it names the right person.");
}

TEST(ParseJudgeReply, RejectsMissingOrOutOfRangeScores) {
  EXPECT_FALSE(parse_judge_reply("The answer looks fine."));
  EXPECT_FALSE(parse_judge_reply("Score: 7\nReason: great"));
  EXPECT_FALSE(parse_judge_reply("Score: 0"));
  EXPECT_FALSE(parse_judge_reply("{\"score\": 9}"));
  EXPECT_FALSE(parse_judge_reply(""));
}

}  // namespace
}  // namespace lorag::eval
