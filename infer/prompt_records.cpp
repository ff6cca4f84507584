// SPDX-License-Identifier: Apache-2.0
#include "infer/prompt_records.h"

#include <algorithm>

#include "model/core/error.h"
#include "model/core/jsonl.h"

namespace lorag::infer {
namespace {
using nlohmann::json;

std::vector<model::text::ChatMessage> parse_messages(const json& j, const std::string& where) {
  LORAG_CHECK(j.is_array() && !j.empty(), FormatError, where, ": 'messages' must be a non-empty list");
  std::vector<model::text::ChatMessage> out;
  for (const auto& m : j) {
    LORAG_CHECK(m.is_object() && m.contains("role") && m["role"].is_string() && m.contains("content") &&
                    m["content"].is_string(),
                FormatError, where, ": each message needs string 'role' and 'content', got ", m.dump());
    const auto role = m["role"].get<std::string>();
    LORAG_CHECK(role == "system" || role == "user" || role == "assistant", FormatError, where, ": role '", role,
                "' is not one of system, user, assistant");
    out.push_back({role, m["content"].get<std::string>()});
  }
  return out;
}

PromptRecord parse_record(const json& j, const std::string& where) {
  PromptRecord r;
  r.id = j.value("id", json());
  if (j.contains("system")) {
    LORAG_CHECK(j["system"].is_string(), FormatError, where, ": 'system' must be a string");
    r.messages.push_back({"system", j["system"].get<std::string>()});
  }
  if (j.contains("adapter") && !j["adapter"].is_null()) {
    LORAG_CHECK(j["adapter"].is_string(), FormatError, where, ": 'adapter' must be a string (an adapter name), got ",
                j["adapter"].dump());
    r.adapter = j["adapter"].get<std::string>();
  }
  if (j.contains("messages")) {
    auto messages = parse_messages(j["messages"], where);
    r.messages.insert(r.messages.end(), messages.begin(), messages.end());
  } else {
    LORAG_CHECK(j.contains("prompt") && j["prompt"].is_string(), FormatError, where,
                ": needs a string 'prompt' or a 'messages' list");
    r.messages.push_back({"user", j["prompt"].get<std::string>()});
  }
  return r;
}
}  // namespace

std::vector<PromptRecord> read_prompt_records(const std::filesystem::path& path) {
  std::vector<PromptRecord> records;
  for_each_jsonl_record(path, [&](const json& row, const std::string& where, std::size_t line) {
    auto record = parse_record(row, where);
    record.line = line;
    records.push_back(std::move(record));
  });
  LORAG_CHECK(!records.empty(), FormatError, path.string(), ": no prompts (the file is empty)");
  return records;
}

std::vector<PromptGroup> group_by_adapter(const std::vector<PromptRecord>& records,
                                          const std::string& default_adapter,
                                          const std::vector<std::string>& available, const std::string& source) {
  std::vector<PromptGroup> groups;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& name = records[i].adapter.empty() ? default_adapter : records[i].adapter;
    if (!records[i].adapter.empty() && std::find(available.begin(), available.end(), name) == available.end()) {
      std::string known;
      for (const auto& a : available) known += (known.empty() ? "" : ", ") + a;
      LORAG_FAIL(FormatError, source, ":", records[i].line, ": adapter '", name, "' is not loaded (available: ",
                 known.empty() ? "none" : known, ")");
    }
    auto it = std::find_if(groups.begin(), groups.end(), [&](const PromptGroup& g) { return g.adapter == name; });
    if (it == groups.end()) it = groups.insert(groups.end(), PromptGroup{name, {}});
    it->indices.push_back(i);
  }
  return groups;
}

}  // namespace lorag::infer
