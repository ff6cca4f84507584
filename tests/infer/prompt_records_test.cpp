// SPDX-License-Identifier: Apache-2.0
// Batch prompt files: the "adapter" field and grouping rows by adapter.
#include "infer/prompt_records.h"

#include <gtest/gtest.h>

#include <fstream>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {

std::filesystem::path write_jsonl(const std::string& text) {
  auto path = temp_dir("prompt_records") / "in.jsonl";
  std::ofstream(path) << text;
  return path;
}

TEST(PromptRecords, GroupsByAdapterInFirstAppearanceOrder) {
  auto path = write_jsonl(
      "{\"prompt\": \"p0\", \"adapter\": \"b\"}\n{\"prompt\": \"p1\"}\n\n"
      "{\"prompt\": \"p2\", \"adapter\": \"a\"}\n{\"prompt\": \"p3\", \"adapter\": \"\"}\n"
      "{\"prompt\": \"p4\", \"adapter\": \"b\"}\n");
  auto records = infer::read_prompt_records(path);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].adapter, "b");
  EXPECT_EQ(records[1].adapter, "");
  auto groups = infer::group_by_adapter(records, "a", {"a", "b", "base"}, path.string());
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].adapter, "b");
  EXPECT_EQ(groups[0].indices, (std::vector<size_t>{0, 4}));
  EXPECT_EQ(groups[1].adapter, "a");  // "" and missing take the default, in the same group as "a"
  EXPECT_EQ(groups[1].indices, (std::vector<size_t>{1, 2, 3}));
}

TEST(PromptRecords, UnknownAdapterNamesTheLine) {
  auto path = write_jsonl("{\"prompt\": \"x\"}\n\n{\"prompt\": \"y\", \"adapter\": \"c\"}\n");
  auto records = infer::read_prompt_records(path);
  try {
    infer::group_by_adapter(records, "base", {"a", "base"}, path.string());
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ":3: adapter 'c' is not loaded (available: a, base)"),
              std::string::npos)
        << e.what();
  }
  auto bad = write_jsonl("{\"prompt\": \"x\", \"adapter\": 3}\n");
  EXPECT_THROW(infer::read_prompt_records(bad), FormatError);
}

}  // namespace
}  // namespace lorag::test
