// SPDX-License-Identifier: Apache-2.0
// The one JSONL reader (issue 16): rows parse as nlohmann parses them, blank
// lines are skipped but still counted, and every bad line is named "file:line"
// with one wording; FIFOs and folders are refused before they are opened.
#include "model/core/jsonl.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <vector>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

std::filesystem::path write_jsonl(const std::string& bytes) {
  const auto path = temp_dir("jsonl") / "rows.jsonl";
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

struct Row {
  nlohmann::json value;
  std::string where;
  std::size_t line;
};

std::vector<Row> read_rows(const std::filesystem::path& path) {
  std::vector<Row> rows;
  for_each_jsonl_record(path, [&](const nlohmann::json& row, const std::string& where, std::size_t line) {
    rows.push_back({row, where, line});
  });
  return rows;
}

TEST(Jsonl, ReadsRowsSkippingBlankLinesAndKeepingLineNumbers) {
  const std::string first = R"({"a": 1, "b": ["x", {"c": null}]})";
  const std::string second = R"({"text": "caf\u00e9 \"q\""})";
  const auto path = write_jsonl(first + "\n\n  \t\r\n" + second + "\r\n");
  const auto rows = read_rows(path);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].value, nlohmann::json::parse(first));
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[0].where, path.string() + ":1");
  EXPECT_EQ(rows[1].value, nlohmann::json::parse(second));
  EXPECT_EQ(rows[1].line, 4u);
  EXPECT_EQ(rows[1].where, path.string() + ":4");
  EXPECT_TRUE(read_rows(write_jsonl("")).empty());
}

TEST(Jsonl, BadLinesAreNamedByFileAndLine) {
  auto message_for = [](const std::string& bytes) {
    const auto path = write_jsonl(bytes);
    return std::make_pair(path.string(), error_of<FormatError>([&] { read_rows(path); }));
  };
  auto [p1, m1] = message_for("{\"a\": 1}\n\n{\"a\": \n");
  EXPECT_EQ(m1.rfind(p1 + ":3: invalid JSON (", 0), 0u) << m1;
  auto [p2, m2] = message_for("{\"a\": 1}\n[1, 2]\n");
  EXPECT_EQ(m2.rfind(p2 + ":2: expected a JSON object, got array", 0), 0u) << m2;
  auto [p3, m3] = message_for("{\"a\": \"caf\xe9\"}\n");
  EXPECT_EQ(m3.rfind(p3 + ":1: text is not valid UTF-8 (bad byte at column 11)", 0), 0u) << m3;
  auto [p4, m4] = message_for("{\"a\": " + std::string(300, '[') + std::string(300, ']') + "}\n");
  EXPECT_EQ(m4.rfind(p4 + ":1: JSON nested deeper than 256 levels", 0), 0u) << m4;
}

TEST(Jsonl, CallerErrorsStopTheReadUnlessSkipped) {
  const auto path = write_jsonl("{\"n\": 1}\nnot json\n{\"n\": -2}\n{\"n\": 3}\n");
  std::vector<int> kept;
  auto keep_positive = [&](const nlohmann::json& row, const std::string& where, std::size_t) {
    LORAG_CHECK(row["n"].get<int>() > 0, FormatError, where, ": n must be positive");
    kept.push_back(row["n"].get<int>());
  };
  EXPECT_THROW(for_each_jsonl_record(path, keep_positive), FormatError);
  EXPECT_EQ(kept, std::vector<int>{1});
  kept.clear();
  EXPECT_EQ(for_each_jsonl_record(path, keep_positive, {.skip_bad_lines = true}), 2u);
  EXPECT_EQ(kept, (std::vector<int>{1, 3}));
}

TEST(Jsonl, MissingFilesFifosAndFoldersAreIoErrors) {
  const auto dir = temp_dir("jsonl");
  EXPECT_NE(error_of<IoError>([&] { read_rows(dir / "none.jsonl"); }).find("none.jsonl: cannot open: "),
            std::string::npos);
  ASSERT_EQ(::mkfifo((dir / "pipe.jsonl").c_str(), 0644), 0);
  EXPECT_NE(error_of<IoError>([&] { read_rows(dir / "pipe.jsonl"); }).find("pipe.jsonl: is a FIFO"),
            std::string::npos);
  EXPECT_NE(error_of<IoError>([&] { read_rows(dir); }).find(": is a folder"), std::string::npos);
}

}  // namespace
}  // namespace lorag::test
