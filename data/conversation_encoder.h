// SPDX-License-Identifier: Apache-2.0
// Rendering a conversation through the model's chat template and tokenizing it
// into input ids plus loss labels (data/).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/text/chat_template.h"
#include "model/text/tokenizer.h"

namespace lorag::data {

// Label of a token that does not count towards the loss (PyTorch's
// `CrossEntropyLoss(ignore_index=-100)`, as transformers and TRL use it).
inline constexpr int64_t kIgnoreIndex = -100;

// One tokenized example. `labels[t]` is the target for position `t` before the
// shift (transformers' convention: the loss compares logits[t-1] with labels[t]).
struct LabelledTokens {
  std::vector<int64_t> input_ids;  // [T]
  std::vector<int64_t> labels;     // [T]; the token id where it counts, kIgnoreIndex elsewhere
  bool split_tokenized = false;    // the boundary fallback was used (see ConversationEncoder)
};

// Turns conversations into LabelledTokens. Only assistant turns count (every one
// of them in a multi-turn chat) unless `train_on_prompt`.
//
// How the response span is found: for assistant turn i, the template renders
// messages[0..i) with the generation prompt (P) and messages[0..i] without it (E).
// The response is E's text after P, up to and including the first of the
// template's turn-ending strings (`stop_strings()`, the eos token): "answer<|im_end|>"
// for ChatML, so the "\n" after it stays unlabelled as in TRL's `{% generation %}`
// templates. These character spans cut the full rendering into prompt/response
// segments. The full text is tokenized once; each cut is mapped to a token index
// by tokenizing the text before it and checking those ids are a prefix of the
// full ids (TRL's prompt/completion check). When a BPE merge crosses a cut, that
// check fails and the example is instead tokenized segment by segment and the ids
// concatenated: the prompt ids are then exactly what inference feeds the model.
//
// When a response does not end in a special token (the raw template, a template
// that closes turns with plain text), the first eos id is appended, labelled, so
// the model learns to stop. Without a template the contents are concatenated
// (`ChatTemplate` kRaw) and bos is prepended when the tokenizer adds one;
// with a template the text is tokenized without added specials, as
// `apply_chat_template(tokenize=True)` does (the template writes bos itself).
//
// Holds references: `tokenizer` must outlive the encoder. Const methods are
// thread-safe.
class ConversationEncoder {
 public:
  ConversationEncoder(const model::text::Tokenizer& tokenizer, const std::optional<model::text::ChatTemplate>& chat_template,
                      bool train_on_prompt);

  // Throws UsageError when the template rejects the roles (e.g. llama2 needs
  // alternating user/assistant), ConfigError when the template's renders of a
  // conversation's prefixes do not extend one another (the span cannot be found).
  LabelledTokens encode(const std::vector<model::text::ChatMessage>& messages) const;

  const model::text::ChatTemplate& chat_template() const { return template_; }

 private:
  // Character cuts [s1, e1, s2, e2, ...]: response k spans [s_k, e_k) of `full`.
  std::vector<std::size_t> response_cuts(const std::vector<model::text::ChatMessage>& messages,
                                         const std::string& full) const;
  std::size_t turn_end(const std::string& rendered, std::size_t from) const;

  const model::text::Tokenizer& tokenizer_;
  model::text::ChatTemplate template_;
  bool raw_ = false;
  bool train_on_prompt_ = false;
  std::vector<std::string> turn_ends_;
};

}  // namespace lorag::data
