// SPDX-License-Identifier: Apache-2.0
// Chat templates (model/text): the prompt formats of the common instruct model
// families, rendered in C++ to match transformers' `apply_chat_template`.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "model/text/tokenizer.h"

namespace lorag::model::text {

struct ChatMessage {
  std::string role;     // "system", "user" or "assistant"
  std::string content;  // UTF-8 text
};

enum class ChatTemplateKind {
  kChatML,     // SmolLM2, Qwen2/2.5, many fine-tunes: <|im_start|>role\n...<|im_end|>
  kLlama2,     // Llama-2-chat: <s>[INST] <<SYS>>...<</SYS>> ... [/INST]
  kLlama3,     // Llama 3 Instruct: <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
  kMistral,    // Mistral-7B-Instruct v0.1/v0.2: system folded into the first [INST]
  kMistralV3,  // Mistral-7B-Instruct v0.3: "[INST] ...[/INST]", system in the last [INST]
  kZephyr,     // Zephyr / TinyLlama-Chat: <|user|>\n...</s>
  kGemma,      // Gemma 1-3: <start_of_turn>user\n...<end_of_turn>; system prepended to the first user turn
  kPhi3,       // Phi-3 instruct: <|user|>\n...<|end|>
  kQwen3,      // Qwen3: ChatML with <think>...</think> reasoning blocks in assistant turns
  kRaw,        // no template: the message contents concatenated
};

// One family's template. Cheap to copy; const methods are thread-safe.
class ChatTemplate {
 public:
  // Recognises a jinja template (tokenizer_config.json `chat_template`) by its
  // distinctive markers. For ChatML templates, a default system prompt written
  // in the template (SmolLM2's, Qwen2.5's) is extracted and used when the
  // conversation has no system message. Throws ConfigError listing the known
  // families when nothing matches.
  static ChatTemplate detect(const std::string& jinja_source);
  // "chatml" | "llama2" | "llama3" | "mistral" | "mistral-v3" | "zephyr" | "gemma" | "phi3" | "qwen3" | "raw".
  // Throws ConfigError listing the allowed names.
  static ChatTemplate from_name(const std::string& name);
  // The template of a tokenizer_config.json `chat_template` value: a string, or a
  // list of {name, template} (the "default" entry is used). `file` names it in
  // errors (ConfigError/FormatError).
  static ChatTemplate from_config_value(const nlohmann::json& value, const std::string& file);
  // The template of a model folder: chat_template.jinja, else tokenizer_config.json
  // `chat_template`; nullopt when it has neither (a base model).
  static std::optional<ChatTemplate> from_model_dir(const std::filesystem::path& dir);

  ChatTemplateKind kind() const { return kind_; }
  // The name `from_name` accepts for this kind.
  std::string name() const;
  // The system prompt used when the conversation has none ("" when none).
  const std::string& default_system() const { return default_system_; }

  // The prompt text, exactly as transformers' apply_chat_template(messages,
  // tokenize=False, add_generation_prompt=...) renders the real template.
  // `special` supplies bos_token/eos_token text. Throws UsageError when the
  // family requires alternating user/assistant roles and `messages` break that.
  std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                     const SpecialTokens& special) const;

  // Texts that end an assistant turn, e.g. {"<|im_end|>", "<|endoftext|>"}.
  std::vector<std::string> stop_strings() const { return chat_stop_strings(kind_); }
  static std::vector<std::string> chat_stop_strings(ChatTemplateKind kind);

 private:
  ChatTemplate(ChatTemplateKind kind, std::string default_system)
      : kind_(kind), default_system_(std::move(default_system)) {}
  ChatTemplateKind kind_;
  std::string default_system_;
};

// The answer a reasoning model (Qwen3, DeepSeek-R1 distills) shows: `text` with
// every "<think>...</think>" block and the newlines after it removed; an
// unterminated "<think>" (generation stopped while thinking) drops the rest.
// A "</think>" with no opening tag (the template put "<think>" in the prompt)
// drops everything before it. Pure.
std::string strip_thinking(std::string_view text);

}  // namespace lorag::model::text
