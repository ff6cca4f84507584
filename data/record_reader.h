// SPDX-License-Identifier: Apache-2.0
// Training record readers (data/): JSON lines in the Alpaca, chat-messages and
// prompt/completion formats, turned into conversations.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "model/text/chat_template.h"

namespace lorag::data {

// The JSONL layouts users have. `kAuto` picks one from the first record's keys.
enum class DatasetFormat {
  kAuto,
  kAlpaca,            // {"instruction", "input" (optional, may be ""), "output"}
  kChat,              // {"messages": [{"role", "content"}, ...]}
  kPromptCompletion,  // {"prompt", "completion"}
};

// "auto" | "alpaca" | "chat" | "prompt-completion"; `parse_format` throws
// ConfigError listing the allowed names.
std::string format_name(DatasetFormat format);
DatasetFormat parse_format(const std::string& name);

// One training example as a conversation. Alpaca becomes user = instruction
// (+ "\n\n" + input when non-empty), assistant = output; prompt/completion
// becomes user/assistant. Every format may carry an optional "system" string,
// which becomes a leading system message.
struct Record {
  std::vector<model::text::ChatMessage> messages;
  std::size_t line = 0;  // 1-based line in the file, e.g. 17
};

struct RecordFile {
  std::vector<Record> records;
  DatasetFormat format = DatasetFormat::kAuto;  // the format used (never kAuto)
  std::size_t skipped_lines = 0;                // bad lines skipped (skip_bad_lines only)
};

// Reads every non-blank line of `path`. With `format == kAuto` the first record
// decides: "messages" -> chat, "instruction" -> alpaca, "prompt" -> prompt/completion.
// A bad line (invalid JSON, bytes that are not UTF-8, a missing or non-string
// field, a chat without an assistant turn or with an unknown role) throws
// FormatError naming `path` and the 1-based line, or is skipped and counted when
// `skip_bad_lines`. Throws IoError when the file cannot be read and FormatError
// when no records remain (an empty file, or every line bad).
RecordFile read_records(const std::filesystem::path& path, DatasetFormat format, bool skip_bad_lines);

}  // namespace lorag::data
