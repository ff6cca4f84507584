// SPDX-License-Identifier: Apache-2.0
// JSONL readers: format detection and every bad-input error by message.
#include "data/record_reader.h"

#include <gtest/gtest.h>

#include "model/core/error.h"
#include "tests/data/data_test_util.h"

namespace lorag::data {
namespace {

// The message of the FormatError that reading `lines` throws.
std::string format_error(const std::vector<std::string>& lines, DatasetFormat format = DatasetFormat::kAuto) {
  const auto path = test::write_lines(test::temp_dir("records"), "train.jsonl", lines);
  try {
    read_records(path, format, /*skip_bad_lines=*/false);
  } catch (const FormatError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no FormatError";
  return "";
}

TEST(RecordReader, DetectsAlpacaAndJoinsInstructionAndInput) {
  const auto path = test::write_lines(test::temp_dir("records"), "a.jsonl",
                                      {R"({"instruction": "Sum", "input": "2 and 2", "output": "4"})",
                                       R"({"instruction": "Greet", "input": "", "output": "Hi"})",
                                       R"({"instruction": "Bye", "output": "Bye", "system": "Be brief."})"});
  const RecordFile file = read_records(path, DatasetFormat::kAuto, false);
  EXPECT_EQ(file.format, DatasetFormat::kAlpaca);
  ASSERT_EQ(file.records.size(), 3u);
  EXPECT_EQ(file.records[0].messages[0].content, "Sum\n\n2 and 2");
  EXPECT_EQ(file.records[0].messages[1].role, "assistant");
  EXPECT_EQ(file.records[0].messages[1].content, "4");
  EXPECT_EQ(file.records[1].messages[0].content, "Greet");
  EXPECT_EQ(file.records[2].messages.size(), 3u);
  EXPECT_EQ(file.records[2].messages[0].role, "system");
  EXPECT_EQ(file.records[2].line, 3u);
}

TEST(RecordReader, DetectsChatAndPromptCompletion) {
  const auto dir = test::temp_dir("records");
  const auto chat = test::write_lines(
      dir, "c.jsonl",
      {R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]})"});
  EXPECT_EQ(read_records(chat, DatasetFormat::kAuto, false).format, DatasetFormat::kChat);
  const auto pc = test::write_lines(dir, "p.jsonl", {"", R"({"prompt": "2+2=", "completion": "4"})", "  "});
  const RecordFile file = read_records(pc, DatasetFormat::kAuto, false);
  EXPECT_EQ(file.format, DatasetFormat::kPromptCompletion);
  ASSERT_EQ(file.records.size(), 1u);
  EXPECT_EQ(file.records[0].line, 2u);
  EXPECT_EQ(file.records[0].messages[1].content, "4");
}

TEST(RecordReader, ForcedFormatReportsTheMissingField) {
  const std::string msg = format_error({R"({"prompt": "2+2=", "completion": "4"})"}, DatasetFormat::kAlpaca);
  EXPECT_NE(msg.find("train.jsonl:1: missing field 'instruction'"), std::string::npos) << msg;
}

TEST(RecordReader, BadJsonNamesTheFileAndLine) {
  const std::string msg = format_error({R"({"prompt": "a", "completion": "b"})", "", R"({"prompt": "a", )"});
  EXPECT_NE(msg.find("train.jsonl:3: invalid JSON"), std::string::npos) << msg;
}

TEST(RecordReader, MissingFieldNamesTheLine) {
  const std::string msg = format_error({R"({"prompt": "a", "completion": "b"})", R"({"prompt": "a"})"});
  EXPECT_NE(msg.find("train.jsonl:2: missing field 'completion'"), std::string::npos) << msg;
}

TEST(RecordReader, WrongFieldTypeNamesTheField) {
  const std::string msg = format_error({R"({"prompt": "a", "completion": 4})"});
  EXPECT_NE(msg.find("train.jsonl:1: field 'completion' must be a string, got number"), std::string::npos) << msg;
}

TEST(RecordReader, EmptyFileIsAnError) {
  const std::string msg = format_error({"", "  "});
  EXPECT_NE(msg.find("train.jsonl: no training records (the file is empty)"), std::string::npos) << msg;
}

TEST(RecordReader, NonUtf8BytesNameTheLine) {
  const std::string msg =
      format_error({R"({"prompt": "a", "completion": "b"})", "{\"prompt\": \"caf\xE9\", \"completion\": \"b\"}"});
  EXPECT_NE(msg.find("train.jsonl:2: text is not valid UTF-8 (bad byte at column 16)"), std::string::npos) << msg;
}

TEST(RecordReader, ChatWithoutAssistantTurnOrWithUnknownRole) {
  std::string msg = format_error({R"({"messages": [{"role": "user", "content": "Hi"}]})"});
  EXPECT_NE(msg.find("train.jsonl:1: 'messages' has no assistant turn"), std::string::npos) << msg;
  msg = format_error({R"({"messages": [{"role": "robot", "content": "Hi"}]})"});
  EXPECT_NE(msg.find("messages[0]: role 'robot' is not one of system, user, assistant"), std::string::npos) << msg;
}

TEST(RecordReader, UndetectableFormatAsksForOne) {
  const std::string msg = format_error({R"({"text": "plain"})"});
  EXPECT_NE(msg.find("train.jsonl:1: cannot tell the dataset format"), std::string::npos) << msg;
}

TEST(RecordReader, SkipBadLinesCountsThem) {
  const auto path = test::write_lines(test::temp_dir("records"), "train.jsonl",
                                      {"not json", R"({"prompt": "a", "completion": "b"})", R"({"prompt": "a"})",
                                       "{\"prompt\": \"\xFF\", \"completion\": \"b\"}",
                                       R"({"prompt": "c", "completion": "d"})"});
  const RecordFile file = read_records(path, DatasetFormat::kAuto, /*skip_bad_lines=*/true);
  EXPECT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.skipped_lines, 3u);
  EXPECT_EQ(file.records[1].line, 5u);
}

TEST(RecordReader, AllLinesBadIsAnErrorEvenWhenSkipping) {
  const auto path = test::write_lines(test::temp_dir("records"), "train.jsonl", {"x", "y"});
  try {
    read_records(path, DatasetFormat::kAuto, true);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("no training records (2 bad lines skipped)"), std::string::npos) << e.what();
  }
}

TEST(RecordReader, MissingFileIsAnIoError) {
  EXPECT_THROW(read_records(test::temp_dir("records") / "none.jsonl", DatasetFormat::kAuto, false), IoError);
}

TEST(RecordReader, FormatNamesRoundTrip) {
  for (auto f : {DatasetFormat::kAuto, DatasetFormat::kAlpaca, DatasetFormat::kChat,
                 DatasetFormat::kPromptCompletion}) {
    EXPECT_EQ(parse_format(format_name(f)), f);
  }
  EXPECT_THROW(parse_format("sharegpt"), ConfigError);
}

}  // namespace
}  // namespace lorag::data
