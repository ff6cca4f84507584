// SPDX-License-Identifier: Apache-2.0
// Grounded prompts (rag/): the instructions, numbered context passages and the
// question a model answers from, as chat messages (system + user) for the
// model's chat template or as one plain text for models without one. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "model/text/chat_template.h"
#include "rag/chunk.h"

namespace lorag::rag {

// The default instructions: answer only from the numbered context, cite it as
// [n], say so when the context is not enough.
extern const char* const kGroundedSystemPrompt;

struct GroundedPromptConfig {
  // Instructions, sent as the system message (or first in the plain text), e.g.
  // kGroundedSystemPrompt. Empty = kGroundedSystemPrompt.
  std::string system;
  // Whether each passage's header names its title and document id, e.g.
  // "[2] Leave policy (hr/leave-policy)"; false gives "[2]" alone.
  bool show_titles = true;

  const std::string& system_or_default() const;
};

// One context passage: "[n] Title (doc_id)\ntext", n counted from 1. The text is
// trimmed of leading/trailing whitespace.
std::string format_passage(size_t n, const Hit& hit, const GroundedPromptConfig& config);

// The user message: "Context:\n\n[1] ...\n\n[2] ...\n\nQuestion: QUESTION". With
// no hits the context reads "(no passages were found)" so the model can say it
// does not know.
std::string grounded_user_message(const std::string& question, const std::vector<Hit>& hits,
                                  const GroundedPromptConfig& config);

// {system: instructions, user: grounded_user_message} for a chat template.
std::vector<model::text::ChatMessage> grounded_messages(const std::string& question, const std::vector<Hit>& hits,
                                                 const GroundedPromptConfig& config);

// For models without a chat template: the instructions, a blank line, the user
// message, then "\nAnswer:" so a base model continues with the answer.
std::string grounded_plain_prompt(const std::string& question, const std::vector<Hit>& hits,
                                  const GroundedPromptConfig& config);

}  // namespace lorag::rag
