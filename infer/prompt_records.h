// SPDX-License-Identifier: Apache-2.0
// Batch prompt files (infer/): JSON lines of {"prompt": "..."} or
// {"messages": [{"role", "content"}, ...]}, with optional "id", "system" and
// "adapter", and the grouping of such rows by adapter.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/text/chat_template.h"

namespace lorag::infer {

struct PromptRecord {
  nlohmann::json id;                        // copied to the output line; null when absent
  std::vector<model::text::ChatMessage> messages;  // a "prompt" becomes one user message
  std::string adapter;                      // "adapter" field, e.g. "math"; "" when absent (the default)
  size_t line = 0;                          // 1-based line in the input file
};

// Records that run with the same adapter.
struct PromptGroup {
  std::string adapter;          // the adapter's name, never "" (the default is filled in)
  std::vector<size_t> indices;  // positions in the records, ascending
};

// Reads every non-blank line. Throws IoError when the file cannot be read, and
// FormatError naming the file and line for bad JSON, a line with neither
// "prompt" nor "messages", a message without string "role"/"content", or a
// non-string "adapter".
// An empty file is a FormatError too.
std::vector<PromptRecord> read_prompt_records(const std::filesystem::path& path);

// Groups `records` by adapter, groups in order of first appearance; a record
// without one gets `default_adapter`. Generating group by group and writing each
// result at its index keeps the output in input order. Throws FormatError naming
// `source`:line, the name and the `available` ones for a name not in `available`.
std::vector<PromptGroup> group_by_adapter(const std::vector<PromptRecord>& records,
                                          const std::string& default_adapter,
                                          const std::vector<std::string>& available, const std::string& source);

}  // namespace lorag::infer
