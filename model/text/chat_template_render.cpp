// SPDX-License-Identifier: Apache-2.0
// Rendering of the chat templates (model/text), one function per family, each
// mirroring the jinja of the real tokenizer_config.json (transformers renders
// with trim_blocks and lstrip_blocks).
#include "model/core/error.h"
#include "model/text/chat_template.h"
#include "model/text/utf8.h"

namespace lorag::model::text {
namespace {

using Messages = std::vector<ChatMessage>;

// Python's str.strip() / jinja's `trim`: Unicode whitespace on both ends.
std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t at = pos;
    const long cp = utf8::next(s, pos);
    b = at;
    if (cp < 0 || !utf8::is_whitespace(static_cast<char32_t>(cp))) break;
    b = pos;
  }
  while (e > b) {
    std::size_t start = e - 1;
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    std::size_t pos = start;
    const long cp = utf8::next(s, pos);
    if (cp < 0 || !utf8::is_whitespace(static_cast<char32_t>(cp))) break;
    e = start;
  }
  return s.substr(b, e - b);
}

// Splits off a leading system message, as the templates' `loop_messages` do.
struct Split {
  bool has_system = false;
  std::string system;
  Messages rest;
};
Split split_system(const Messages& m) {
  Split s;
  if (!m.empty() && m[0].role == "system") {
    s.has_system = true;
    s.system = m[0].content;
    s.rest.assign(m.begin() + 1, m.end());
  } else {
    s.rest = m;
  }
  return s;
}

void check_alternating(const Messages& m, const char* family) {
  for (std::size_t i = 0; i < m.size(); ++i) {
    const bool want_user = i % 2 == 0;
    LORAG_CHECK((m[i].role == "user") == want_user, UsageError, "chat template ", family,
                ": conversation roles must alternate user/assistant/user/assistant/... (message ", i, " is '",
                m[i].role, "')");
  }
}

std::string chatml(const Messages& m, bool gen, const std::string& default_system) {
  std::string out;
  if (!m.empty() && m[0].role != "system" && !default_system.empty()) {
    out += "<|im_start|>system\n" + default_system + "<|im_end|>\n";
  }
  for (const auto& msg : m) out += "<|im_start|>" + msg.role + "\n" + msg.content + "<|im_end|>\n";
  if (gen) out += "<|im_start|>assistant\n";
  return out;
}

// Python's str.lstrip/rstrip('\n').
std::string strip_newlines(std::string s, bool left, bool right) {
  if (right) while (!s.empty() && s.back() == '\n') s.pop_back();
  if (left) s.erase(0, s.find_first_not_of('\n') == std::string::npos ? s.size() : s.find_first_not_of('\n'));
  return s;
}

// Qwen3's template: ChatML, with an assistant turn's "<think>...</think>" split
// off; it is kept (re-rendered) only for turns after the last user query, and
// the final assistant turn always carries a (possibly empty) think block.
std::string qwen3(const Messages& m, bool gen) {
  std::string out;
  if (!m.empty() && m[0].role == "system") out += "<|im_start|>system\n" + m[0].content + "<|im_end|>\n";
  std::size_t last_query = m.empty() ? 0 : m.size() - 1;
  for (std::size_t i = m.size(); i-- > 0;) {
    const auto& c = m[i].content;
    const bool tool_response = c.starts_with("<tool_response>") && c.ends_with("</tool_response>");
    if (m[i].role == "user" && !tool_response) {
      last_query = i;
      break;
    }
  }
  for (std::size_t i = 0; i < m.size(); ++i) {
    const auto& msg = m[i];
    if (msg.role == "user" || (msg.role == "system" && i > 0)) {
      out += "<|im_start|>" + msg.role + "\n" + msg.content + "<|im_end|>\n";
    } else if (msg.role == "assistant") {
      std::string content = msg.content, reasoning;
      if (const auto close = content.find("</think>"); close != std::string::npos) {
        std::string before = strip_newlines(content.substr(0, close), false, true);
        if (const auto open = before.rfind("<think>"); open != std::string::npos) before = before.substr(open + 7);
        reasoning = strip_newlines(before, true, false);
        content = strip_newlines(content.substr(content.rfind("</think>") + 8), true, false);
      }
      out += "<|im_start|>assistant\n";
      if (i > last_query && (i + 1 == m.size() || !reasoning.empty())) {
        out += "<think>\n" + strip_newlines(reasoning, true, true) + "\n</think>\n\n" +
               strip_newlines(content, true, false);
      } else {
        out += content;
      }
      out += "<|im_end|>\n";
    }
  }
  if (gen) out += "<|im_start|>assistant\n";
  return out;
}

std::string llama2(const Messages& m, const SpecialTokens& sp) {
  const Split s = split_system(m);
  check_alternating(s.rest, "llama2");
  std::string out;
  for (std::size_t i = 0; i < s.rest.size(); ++i) {
    std::string content = s.rest[i].content;
    if (i == 0 && s.has_system) content = "<<SYS>>\n" + s.system + "\n<</SYS>>\n\n" + content;
    if (s.rest[i].role == "user") out += sp.bos_token + "[INST] " + trim(content) + " [/INST]";
    else out += " " + trim(content) + " " + sp.eos_token;
  }
  return out;
}

std::string llama3(const Messages& m, bool gen, const SpecialTokens& sp) {
  std::string out;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (i == 0) out += sp.bos_token;
    out += "<|start_header_id|>" + m[i].role + "<|end_header_id|>\n\n" + trim(m[i].content) + "<|eot_id|>";
  }
  if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

std::string mistral(const Messages& m, const SpecialTokens& sp) {
  const Split s = split_system(m);
  check_alternating(s.rest, "mistral");
  std::string out = sp.bos_token;
  for (std::size_t i = 0; i < s.rest.size(); ++i) {
    const ChatMessage& msg = s.rest[i];
    if (msg.role == "user") {
      const std::string sys = i == 0 && s.has_system ? s.system + "\n\n" : "";
      out += " [INST] " + sys + msg.content + " [/INST]";
    } else {
      out += " " + msg.content + sp.eos_token;
    }
  }
  return out;
}

std::string mistral_v3(const Messages& m, const SpecialTokens& sp) {
  const Split s = split_system(m);
  check_alternating(s.rest, "mistral-v3");
  std::string out = sp.bos_token;
  for (std::size_t i = 0; i < s.rest.size(); ++i) {
    const ChatMessage& msg = s.rest[i];
    if (msg.role == "user") {
      // v0.3 puts the system prompt into the last message, when that is a user turn.
      const std::string sys = i + 1 == s.rest.size() && s.has_system ? s.system + "\n\n" : "";
      out += "[INST] " + sys + msg.content + "[/INST]";
    } else {
      out += " " + trim(msg.content) + sp.eos_token;
    }
  }
  return out;
}

std::string zephyr(const Messages& m, bool gen, const SpecialTokens& sp) {
  std::string out;
  for (const auto& msg : m) {
    if (msg.role == "user" || msg.role == "system" || msg.role == "assistant") {
      out += "<|" + msg.role + "|>\n" + msg.content + sp.eos_token + "\n";
    }
  }
  if (gen && !m.empty()) out += "<|assistant|>\n";
  return out;
}

std::string gemma(const Messages& m, bool gen, const SpecialTokens& sp) {
  const Split s = split_system(m);
  check_alternating(s.rest, "gemma");
  std::string out = sp.bos_token;
  for (std::size_t i = 0; i < s.rest.size(); ++i) {
    const std::string role = s.rest[i].role == "assistant" ? "model" : s.rest[i].role;
    const std::string prefix = i == 0 && s.has_system ? s.system + "\n\n" : "";
    out += "<start_of_turn>" + role + "\n" + prefix + trim(s.rest[i].content) + "<end_of_turn>\n";
  }
  if (gen) out += "<start_of_turn>model\n";
  return out;
}

std::string phi3(const Messages& m, bool gen, const SpecialTokens& sp) {
  std::string out;
  for (const auto& msg : m) {
    if (msg.role == "user" || msg.role == "system" || msg.role == "assistant") {
      out += "<|" + msg.role + "|>\n" + msg.content + "<|end|>\n";
    }
  }
  out += gen ? "<|assistant|>\n" : sp.eos_token;
  return out;
}

}  // namespace

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                                 const SpecialTokens& special) const {
  switch (kind_) {
    case ChatTemplateKind::kChatML: return chatml(messages, add_generation_prompt, default_system_);
    case ChatTemplateKind::kLlama2: return llama2(messages, special);
    case ChatTemplateKind::kLlama3: return llama3(messages, add_generation_prompt, special);
    case ChatTemplateKind::kMistral: return mistral(messages, special);
    case ChatTemplateKind::kMistralV3: return mistral_v3(messages, special);
    case ChatTemplateKind::kZephyr: return zephyr(messages, add_generation_prompt, special);
    case ChatTemplateKind::kGemma: return gemma(messages, add_generation_prompt, special);
    case ChatTemplateKind::kPhi3: return phi3(messages, add_generation_prompt, special);
    case ChatTemplateKind::kQwen3: return qwen3(messages, add_generation_prompt);
    case ChatTemplateKind::kRaw: break;
  }
  std::string out;
  for (const auto& msg : messages) out += msg.content;
  return out;
}

}  // namespace lorag::model::text
