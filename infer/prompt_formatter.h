// SPDX-License-Identifier: Apache-2.0
// Turns user text or a conversation into prompt token ids (infer/): through the
// model's chat template when it has one, else as raw text.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/text/chat_template.h"
#include "model/text/tokenizer.h"

namespace lorag::infer {

class PromptFormatter {
 public:
  // `choice`: "auto" (the template in `template_source`, raw text when empty),
  // "none" (raw text), or a template name (model::text::ChatTemplate::from_name).
  // Throws ConfigError for an unknown name, or for "auto" with a template that is
  // not recognised (the message says to pass --chat-template).
  PromptFormatter(std::shared_ptr<const model::text::Tokenizer> tokenizer, const std::string& template_source,
                  const std::string& choice);

  // The conversation, rendered with the generation prompt appended, as ids.
  // Raw mode joins the contents with newlines and adds bos as the tokenizer says.
  std::vector<int64_t> encode_chat(const std::vector<model::text::ChatMessage>& messages) const;
  // One user turn (with `system` when non-empty) as ids.
  std::vector<int64_t> encode_prompt(const std::string& user, const std::string& system) const;

  // Ids that end an assistant turn under the template (e.g. <|im_end|>), to stop on.
  std::vector<int64_t> end_of_turn_ids() const;
  bool uses_template() const { return template_.has_value(); }
  // The template's name, or "none".
  std::string template_name() const { return template_ ? template_->name() : "none"; }

 private:
  std::shared_ptr<const model::text::Tokenizer> tokenizer_;
  std::optional<model::text::ChatTemplate> template_;
};

}  // namespace lorag::infer
