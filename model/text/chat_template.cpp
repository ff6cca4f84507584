// SPDX-License-Identifier: Apache-2.0
// Chat template detection and naming (model/text); rendering is in chat_template_render.cpp.
#include "model/text/chat_template.h"

#include <array>
#include <fstream>
#include <sstream>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/core/log.h"
#include "model/text/json_field.h"

namespace lorag::model::text {
namespace {

struct KindName {
  ChatTemplateKind kind;
  const char* name;
};
constexpr std::array<KindName, 10> kNames{{
    {ChatTemplateKind::kChatML, "chatml"},   {ChatTemplateKind::kLlama2, "llama2"},
    {ChatTemplateKind::kLlama3, "llama3"},   {ChatTemplateKind::kMistral, "mistral"},
    {ChatTemplateKind::kMistralV3, "mistral-v3"}, {ChatTemplateKind::kZephyr, "zephyr"},
    {ChatTemplateKind::kGemma, "gemma"},     {ChatTemplateKind::kPhi3, "phi3"},
    {ChatTemplateKind::kQwen3, "qwen3"},     {ChatTemplateKind::kRaw, "raw"},
}};

std::string known_names() {
  std::string out;
  for (const auto& k : kNames) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

bool has(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

// The default system prompt of a ChatML template: a string literal
// '<|im_start|>system\n....<|im_end|>' with no expression inside it. The "\n"
// may be a real newline or a jinja escape, depending on how the JSON was written.
std::string extract_default_system(const std::string& src) {
  const std::string head = "<|im_start|>system";
  for (std::size_t at = src.find(head); at != std::string::npos; at = src.find(head, at + 1)) {
    std::size_t pos = at + head.size();
    if (src.compare(pos, 1, "\n") == 0) pos += 1;
    else if (src.compare(pos, 2, "\\n") == 0) pos += 2;
    else continue;
    const std::size_t end = src.find("<|im_end|>", pos);
    if (end == std::string::npos) break;
    const std::string raw = src.substr(pos, end - pos);
    if (raw.empty() || raw.find_first_of("'\"{}") != std::string::npos) continue;  // an expression, not a literal
    std::string text;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) {
        const char c = raw[++i];
        text.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c);
      } else {
        text.push_back(raw[i]);
      }
    }
    return text;
  }
  return "";
}

}  // namespace

std::string ChatTemplate::name() const {
  for (const auto& k : kNames) if (k.kind == kind_) return k.name;
  return "raw";
}

ChatTemplate ChatTemplate::from_name(const std::string& name) {
  for (const auto& k : kNames) if (name == k.name) return ChatTemplate(k.kind, "");
  LORAG_FAIL(ConfigError, "unknown chat template '", name, "', expected one of: ", known_names());
}

ChatTemplate ChatTemplate::detect(const std::string& src) {
  // Qwen3 (and other ChatML reasoning models) split assistant turns at </think>.
  if (has(src, "<|im_start|>") && has(src, "</think>")) return ChatTemplate(ChatTemplateKind::kQwen3, "");
  if (has(src, "<|im_start|>")) return ChatTemplate(ChatTemplateKind::kChatML, extract_default_system(src));
  if (has(src, "<|start_header_id|>")) {
    if (has(src, "Cutting Knowledge Date")) {
      // TODO(text): Llama 3.1+ always adds a dated system block; rendered here as Llama 3.0.
      log::warn("chat template: Llama 3.1+ template rendered in the Llama 3.0 format (no knowledge-date system block)");
    }
    return ChatTemplate(ChatTemplateKind::kLlama3, "");
  }
  if (has(src, "<start_of_turn>")) return ChatTemplate(ChatTemplateKind::kGemma, "");
  if (has(src, "<<SYS>>")) return ChatTemplate(ChatTemplateKind::kLlama2, "");
  if (has(src, "[INST]")) {
    // v0.3 writes "[INST] " + content + "[/INST]" and carries the tool-calling blocks.
    const bool v3 = has(src, "[AVAILABLE_TOOLS]") || has(src, "+ \"[/INST]\"") || has(src, "+ '[/INST]'");
    return ChatTemplate(v3 ? ChatTemplateKind::kMistralV3 : ChatTemplateKind::kMistral, "");
  }
  if (has(src, "<|user|>") && has(src, "<|end|>")) return ChatTemplate(ChatTemplateKind::kPhi3, "");
  if (has(src, "<|user|>")) return ChatTemplate(ChatTemplateKind::kZephyr, "");
  std::string head = src.substr(0, 60);
  for (char& c : head) if (c == '\n') c = ' ';
  LORAG_FAIL(ConfigError, "chat template not recognised (starts '", head, "'); known families: ", known_names(),
             " (hint: pass the family name explicitly)");
}

ChatTemplate ChatTemplate::from_config_value(const nlohmann::json& value, const std::string& file) {
  if (value.is_string()) return detect(value.get<std::string>());
  LORAG_CHECK(value.is_array(), FormatError, file, ": field 'chat_template' is ", value.type_name(),
              ", expected a string or a list of {name, template}");
  for (const auto& entry : value) {
    if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") &&
        entry["template"].is_string()) {
      return detect(entry["template"].get<std::string>());
    }
  }
  LORAG_FAIL(FormatError, file, ": field 'chat_template' is a list with no entry named 'default'");
}

std::optional<ChatTemplate> ChatTemplate::from_model_dir(const std::filesystem::path& dir) {
  const auto jinja = dir / "chat_template.jinja";
  if (std::filesystem::exists(jinja)) {
    check_regular_file(jinja);
    std::ifstream in(jinja, std::ios::binary);
    LORAG_CHECK(in.good(), IoError, jinja.string(), ": cannot open for reading");
    std::stringstream buf;
    buf << in.rdbuf();
    return detect(buf.str());
  }
  const auto config_path = dir / "tokenizer_config.json";
  if (!std::filesystem::exists(config_path)) return std::nullopt;
  const nlohmann::json config = read_json_file(config_path);
  if (!config.contains("chat_template") || config["chat_template"].is_null()) return std::nullopt;
  return from_config_value(config["chat_template"], config_path.string());
}

std::vector<std::string> ChatTemplate::chat_stop_strings(ChatTemplateKind kind) {
  switch (kind) {
    case ChatTemplateKind::kChatML:
    case ChatTemplateKind::kQwen3: return {"<|im_end|>", "<|endoftext|>"};
    case ChatTemplateKind::kLlama3: return {"<|eot_id|>", "<|end_of_text|>"};
    case ChatTemplateKind::kGemma: return {"<end_of_turn>", "<eos>"};
    case ChatTemplateKind::kPhi3: return {"<|end|>", "<|endoftext|>"};
    case ChatTemplateKind::kLlama2:
    case ChatTemplateKind::kMistral:
    case ChatTemplateKind::kMistralV3:
    case ChatTemplateKind::kZephyr: return {"</s>"};
    case ChatTemplateKind::kRaw: return {};
  }
  return {};
}

std::string strip_thinking(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  const auto first_open = text.find("<think>"), first_close = text.find("</think>");
  if (first_close != std::string_view::npos && (first_open == std::string_view::npos || first_close < first_open)) {
    pos = first_close + 8;  // the opening tag was part of the prompt
    while (pos < text.size() && text[pos] == '\n') ++pos;
  }
  while (pos < text.size()) {
    const auto open = text.find("<think>", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    const auto close = text.find("</think>", open);
    if (close == std::string_view::npos) break;  // still thinking when generation stopped
    pos = close + 8;
    while (pos < text.size() && text[pos] == '\n') ++pos;
  }
  return out;
}

}  // namespace lorag::model::text
