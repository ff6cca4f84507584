// SPDX-License-Identifier: Apache-2.0
#include "data/record_reader.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "model/core/config_field_error.h"
#include "model/core/error.h"
#include "model/core/jsonl.h"

namespace lorag::data {
namespace {
using nlohmann::json;

std::string string_field(const json& j, const char* key, const std::string& where, bool required) {
  if (!j.contains(key) || j[key].is_null()) {
    LORAG_CHECK(!required, FormatError, where, ": missing field '", key, "'");
    return "";
  }
  LORAG_CHECK(j[key].is_string(), FormatError, where, ": field '", key, "' must be a string, got ",
              j[key].type_name());
  return j[key].get<std::string>();
}

std::optional<DatasetFormat> detect(const json& j) {
  if (j.contains("messages")) return DatasetFormat::kChat;
  if (j.contains("instruction")) return DatasetFormat::kAlpaca;
  if (j.contains("prompt")) return DatasetFormat::kPromptCompletion;
  return std::nullopt;
}

std::vector<model::text::ChatMessage> parse_messages(const json& j, const std::string& where) {
  LORAG_CHECK(j.is_array() && !j.empty(), FormatError, where, ": 'messages' must be a non-empty list");
  std::vector<model::text::ChatMessage> out;
  bool has_assistant = false;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const json& m = j[i];
    LORAG_CHECK(m.is_object(), FormatError, where, ": messages[", i, "] must be an object");
    const std::string at = where + ": messages[" + std::to_string(i) + "]";
    std::string role = string_field(m, "role", at, true);
    LORAG_CHECK(role == "system" || role == "user" || role == "assistant", FormatError, at, ": role '", role,
                "' is not one of system, user, assistant");
    has_assistant = has_assistant || role == "assistant";
    out.push_back({std::move(role), string_field(m, "content", at, true)});
  }
  LORAG_CHECK(has_assistant, FormatError, where, ": 'messages' has no assistant turn to train on");
  return out;
}

Record parse_record(const json& j, DatasetFormat format, const std::string& where) {
  Record r;
  const std::string system = string_field(j, "system", where, false);
  if (!system.empty()) r.messages.push_back({"system", system});
  switch (format) {
    case DatasetFormat::kChat: {
      LORAG_CHECK(j.contains("messages"), FormatError, where, ": missing field 'messages'");
      auto messages = parse_messages(j["messages"], where);
      r.messages.insert(r.messages.end(), messages.begin(), messages.end());
      break;
    }
    case DatasetFormat::kAlpaca: {
      std::string user = string_field(j, "instruction", where, true);
      const std::string input = string_field(j, "input", where, false);
      if (!input.empty()) user += "\n\n" + input;
      r.messages.push_back({"user", std::move(user)});
      r.messages.push_back({"assistant", string_field(j, "output", where, true)});
      LORAG_CHECK(!r.messages.back().content.empty(), FormatError, where, ": field 'output' is empty");
      break;
    }
    case DatasetFormat::kPromptCompletion:
      r.messages.push_back({"user", string_field(j, "prompt", where, true)});
      r.messages.push_back({"assistant", string_field(j, "completion", where, true)});
      // An empty completion has no tokens to learn from (issue #18).
      LORAG_CHECK(!r.messages.back().content.empty(), FormatError, where, ": field 'completion' is empty");
      break;
    case DatasetFormat::kAuto: LORAG_ASSERT(false, "format must be resolved before parsing");
  }
  return r;
}

// Parses one row; resolves `format` from it when still kAuto.
Record parse_row(const json& j, DatasetFormat& format, const std::string& where) {
  if (format == DatasetFormat::kAuto) {
    const auto found = detect(j);
    LORAG_CHECK(found, FormatError, where,
                ": cannot tell the dataset format from the keys (expected 'messages', 'instruction' or "
                "'prompt'; hint: pass the format explicitly)");
    format = *found;
  }
  return parse_record(j, format, where);
}
}  // namespace

std::string format_name(DatasetFormat format) {
  switch (format) {
    case DatasetFormat::kAuto: return "auto";
    case DatasetFormat::kAlpaca: return "alpaca";
    case DatasetFormat::kChat: return "chat";
    case DatasetFormat::kPromptCompletion: return "prompt-completion";
  }
  return "auto";
}

DatasetFormat parse_format(const std::string& name) {
  for (auto f : {DatasetFormat::kAuto, DatasetFormat::kAlpaca, DatasetFormat::kChat,
                 DatasetFormat::kPromptCompletion}) {
    if (format_name(f) == name) return f;
  }
  LORAG_CHECK_FIELD(false, "format", "'", name, "' is unknown, expected auto, alpaca, chat or prompt-completion");
}

RecordFile read_records(const std::filesystem::path& path, DatasetFormat format, bool skip_bad_lines) {
  RecordFile file;
  file.format = format;
  file.skipped_lines = for_each_jsonl_record(
      path,
      [&](const json& row, const std::string& where, std::size_t line) {
        Record r = parse_row(row, file.format, where);
        r.line = line;
        file.records.push_back(std::move(r));
      },
      {.skip_bad_lines = skip_bad_lines});
  LORAG_CHECK(!file.records.empty(), FormatError, path.string(), ": no training records (",
              file.skipped_lines ? std::to_string(file.skipped_lines) + " bad lines skipped" : "the file is empty",
              ")");
  return file;
}

}  // namespace lorag::data
