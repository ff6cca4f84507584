// SPDX-License-Identifier: Apache-2.0
#include "infer/prompt_formatter.h"

#include "model/core/error.h"

namespace lorag::infer {

PromptFormatter::PromptFormatter(std::shared_ptr<const model::text::Tokenizer> tokenizer, const std::string& template_source,
                                 const std::string& choice)
    : tokenizer_(std::move(tokenizer)) {
  if (choice == "none") return;
  if (choice != "auto") {
    template_ = model::text::ChatTemplate::from_name(choice);
    return;
  }
  if (template_source.empty()) return;  // a base model: raw text
  try {
    template_ = model::text::ChatTemplate::detect(template_source);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string(e.what()) +
                      " (hint: pass --chat-template NAME to choose one, or --chat-template none for raw text)");
  }
}

std::vector<int64_t> PromptFormatter::encode_chat(const std::vector<model::text::ChatMessage>& messages) const {
  if (!template_) {
    std::string joined;
    for (const auto& m : messages) joined += (joined.empty() ? "" : "\n") + m.content;
    return tokenizer_->encode(joined, /*add_special=*/true);
  }
  // As transformers' apply_chat_template(tokenize=True): the template writes any
  // bos itself, so the tokenizer adds no special tokens.
  const auto text = template_->render(messages, /*add_generation_prompt=*/true, tokenizer_->special_tokens());
  return tokenizer_->encode(text, /*add_special=*/false);
}

std::vector<int64_t> PromptFormatter::encode_prompt(const std::string& user, const std::string& system) const {
  if (!template_) return tokenizer_->encode(system.empty() ? user : system + "\n" + user, true);
  std::vector<model::text::ChatMessage> messages;
  if (!system.empty()) messages.push_back({"system", system});
  messages.push_back({"user", user});
  return encode_chat(messages);
}

std::vector<int64_t> PromptFormatter::end_of_turn_ids() const {
  std::vector<int64_t> ids;
  if (!template_) return ids;
  for (const auto& s : template_->stop_strings()) {
    if (auto id = tokenizer_->token_to_id(s)) ids.push_back(*id);
  }
  return ids;
}

}  // namespace lorag::infer
