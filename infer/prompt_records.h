// SPDX-License-Identifier: Apache-2.0
// Batch prompt files (infer/): JSON lines of {"prompt": "..."} or
// {"messages": [{"role", "content"}, ...]}, with optional "id" and "system".
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/text/chat_template.h"

namespace lorag::infer {

struct PromptRecord {
  nlohmann::json id;                        // copied to the output line; null when absent
  std::vector<text::ChatMessage> messages;  // a "prompt" becomes one user message
  size_t line = 0;                          // 1-based line in the input file
};

// Reads every non-blank line. Throws IoError when the file cannot be read, and
// FormatError naming the file and line for bad JSON, a line with neither
// "prompt" nor "messages", or a message without string "role"/"content".
// An empty file is a FormatError too.
std::vector<PromptRecord> read_prompt_records(const std::filesystem::path& path);

}  // namespace lorag::infer
