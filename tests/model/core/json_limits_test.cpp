// SPDX-License-Identifier: Apache-2.0
// Bounded JSON nesting (issue #18): 200,000 levels are refused with one line,
// brackets inside strings do not count, and ordinary JSON parses as nlohmann does.
#include "model/core/json_limits.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

std::string nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonLimits, DeepNestingIsRefusedNamingTheSource) {
  const std::string deep = nested(200000);
  const auto message = error_of<FormatError>([&] { parse_json(deep, "x.jsonl:3"); });
  EXPECT_NE(message.find("x.jsonl:3: JSON nested deeper than 256 levels"), std::string::npos) << message;
  std::string objects;
  for (int i = 0; i < 300; ++i) objects += "{\"a\":";
  objects += "1" + std::string(300, '}');
  EXPECT_NE(error_of<FormatError>([&] { parse_json(objects, "o"); }).find("deeper than 256"), std::string::npos);
}

TEST(JsonLimits, DepthAtTheLimitParsesAsNlohmannDoes) {
  const std::string at_limit = nested(kMaxJsonDepth);
  EXPECT_EQ(json_depth(at_limit), kMaxJsonDepth);
  EXPECT_EQ(parse_json(at_limit, "x"), nlohmann::json::parse(at_limit));
  const std::string text = R"({"a": [1, {"b": "]]]]\"[[[["}], "c": "\\"})";
  EXPECT_EQ(json_depth(text), 3);
  EXPECT_EQ(parse_json(text, "x"), nlohmann::json::parse(text));
  EXPECT_EQ(json_depth("42"), 0);
}

TEST(JsonLimits, BracketsInsideStringsDoNotCount) {
  const std::string text = "[\"" + std::string(100000, '[') + "\"]";
  EXPECT_EQ(json_depth(text), 1);
  EXPECT_EQ(parse_json(text, "x")[0].get<std::string>().size(), 100000u);
}

TEST(JsonLimits, SyntaxErrorsStillReachTheCaller) {
  EXPECT_THROW(parse_json("{\"a\": }", "x"), nlohmann::json::parse_error);
}

TEST(JsonLimits, JsonFileReaderIsBounded) {
  const auto dir = temp_dir("json_limits");
  std::ofstream(dir / "tokenizer.json") << "{\"model\": " << nested(100000) << "}";
  const auto message = error_of<FormatError>([&] { read_json_file(dir / "tokenizer.json"); });
  EXPECT_NE(message.find("tokenizer.json: JSON nested deeper than 256 levels"), std::string::npos) << message;
  std::filesystem::remove_all(dir);
}

// The one JSON file reader: parses as nlohmann does, and names the file in one
// wording for syntax errors; unreadable paths are IoErrors.
TEST(JsonLimits, JsonFileReaderNamesTheFile) {
  const auto dir = temp_dir("json_limits");
  const std::string text = R"({"a": [1, 2.5, "x"], "b": {"c": null}})";
  std::ofstream(dir / "good.json") << text;
  EXPECT_EQ(read_json_file(dir / "good.json"), nlohmann::json::parse(text));
  std::ofstream(dir / "bad.json") << "{\"a\": }";
  const auto message = error_of<FormatError>([&] { read_json_file(dir / "bad.json"); });
  EXPECT_EQ(message.rfind((dir / "bad.json").string() + ": invalid JSON (", 0), 0u) << message;
  EXPECT_NE(error_of<IoError>([&] { read_json_file(dir / "none.json"); }).find("none.json: cannot open"),
            std::string::npos);
  EXPECT_NE(error_of<IoError>([&] { read_json_file(dir); }).find(": is a folder"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lorag::test
