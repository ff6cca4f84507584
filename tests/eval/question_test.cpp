// SPDX-License-Identifier: Apache-2.0
#include "eval/question.h"

#include <gtest/gtest.h>

#include <fstream>

#include "model/core/error.h"
#include "eval/eval_config.h"
#include "tests/test_util.h"

namespace lorag::eval {
namespace {

std::filesystem::path write(const std::string& text) {
  const auto path = test::temp_dir("eval_questions") / "qa.jsonl";
  std::ofstream(path) << text;
  return path;
}

using lorag::test::error_of;

TEST(ReadQuestions, ReadsAnswersDocIdsAndDefaults) {
  const auto path = write(
      "{\"question\": \"Capital of France?\", \"answer\": \"Paris\", \"doc_ids\": [\"geo/fr\"]}\n"
      "\n"
      "{\"question\": \"Who won in 2090?\", \"id\": \"future\"}\n"
      "{\"question\": \"Colour?\", \"answers\": [\"red\", \"\", \"crimson\"], \"id\": 17}\n"
      "{\"question\": \"Empty gold?\", \"answer\": \"\"}\n");
  const auto qs = read_questions(path);
  ASSERT_EQ(qs.size(), 4u);
  EXPECT_EQ(qs[0].id, "q1");
  EXPECT_EQ(qs[0].answers, std::vector<std::string>{"Paris"});
  EXPECT_EQ(qs[0].doc_ids, std::vector<std::string>{"geo/fr"});
  EXPECT_TRUE(qs[0].answerable());
  EXPECT_EQ(qs[1].id, "future");
  EXPECT_FALSE(qs[1].answerable());
  EXPECT_EQ(qs[2].id, "17");
  EXPECT_EQ(qs[2].answers, (std::vector<std::string>{"red", "crimson"}));
  EXPECT_EQ(qs[3].id, "q5");  // the file's line number
  EXPECT_FALSE(qs[3].answerable());
}

TEST(ReadQuestions, BadLinesNameFileLineAndField) {
  auto p1 = write("{\"question\": \"ok\"}\n{\"answer\": \"x\"}\n");
  EXPECT_NE(error_of([&] { read_questions(p1); }).find("qa.jsonl:2: field 'question' is missing"), std::string::npos);
  auto p2 = write("{\"question\": \"ok\", \"doc_ids\": [1]}\n");
  EXPECT_NE(error_of([&] { read_questions(p2); }).find("qa.jsonl:1: field 'doc_ids' holds a number"),
            std::string::npos);
  auto p3 = write("{\"question\": \"ok\"\n");
  EXPECT_NE(error_of([&] { read_questions(p3); }).find("qa.jsonl:1: invalid JSON ("), std::string::npos);
  auto p4 = write("{\"question\": \"a\", \"id\": \"x\"}\n{\"question\": \"b\", \"id\": \"x\"}\n");
  EXPECT_NE(error_of([&] { read_questions(p4); }).find("qa.jsonl:2: duplicate question id 'x'"), std::string::npos);
  auto p5 = write("\n\n");
  EXPECT_NE(error_of([&] { read_questions(p5); }).find("no questions"), std::string::npos);
  EXPECT_THROW(read_questions(test::temp_dir("eval_questions") / "missing.jsonl"), IoError);
}

TEST(EvalConfig, ValidateNamesFieldAndValue) {
  EvalConfig c;
  EXPECT_NO_THROW(c.validate());
  c.confidence = 1.5;
  EXPECT_NE(error_of([&] { c.validate(); }).find("confidence is 1.5"), std::string::npos);
  c = EvalConfig{};
  c.k = 0;
  EXPECT_NE(error_of([&] { c.validate(); }).find("k is 0"), std::string::npos);
  c = EvalConfig{};
  c.bootstrap_resamples = 0;
  EXPECT_THROW(c.validate(), ConfigError);
}

}  // namespace
}  // namespace lorag::eval
