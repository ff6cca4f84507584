// SPDX-License-Identifier: Apache-2.0
#include "data/conversation_encoder.h"

#include <algorithm>

#include "model/core/error.h"

namespace lorag::data {
namespace {

bool is_prefix(const std::vector<int64_t>& prefix, const std::vector<int64_t>& full) {
  return prefix.size() <= full.size() && std::equal(prefix.begin(), prefix.end(), full.begin());
}

// `full` tokenized, with each character cut mapped to a token index.
struct CutTokens {
  std::vector<int64_t> ids;
  std::vector<std::size_t> cuts;  // token index of each character cut
  bool split = false;             // the segment-by-segment fallback was used
};

// The prefix check first; on a BPE merge across a cut, the segment-by-segment
// fallback (see ConversationEncoder in the header).
CutTokens tokenize_at_cuts(const model::text::Tokenizer& tokenizer, const std::string& full,
                           const std::vector<std::size_t>& cuts) {
  const std::string_view text(full);
  CutTokens out;
  out.ids = tokenizer.encode(text, /*add_special=*/false);
  for (std::size_t cut : cuts) {
    if (cut == full.size()) {
      out.cuts.push_back(out.ids.size());
      continue;
    }
    const auto before = tokenizer.encode(text.substr(0, cut), false);
    if (!is_prefix(before, out.ids) || (!out.cuts.empty() && before.size() < out.cuts.back())) {
      out.split = true;
      break;
    }
    out.cuts.push_back(before.size());
  }
  if (!out.split) return out;
  out.ids.clear();
  out.cuts.clear();
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    const auto part = tokenizer.encode(text.substr(from, cut - from), false);
    out.ids.insert(out.ids.end(), part.begin(), part.end());
    out.cuts.push_back(out.ids.size());
    from = cut;
  }
  const auto tail = tokenizer.encode(text.substr(from), false);
  out.ids.insert(out.ids.end(), tail.begin(), tail.end());
  return out;
}

}  // namespace

ConversationEncoder::ConversationEncoder(const model::text::Tokenizer& tokenizer,
                                         const std::optional<model::text::ChatTemplate>& chat_template,
                                         bool train_on_prompt)
    : tokenizer_(tokenizer),
      template_(chat_template ? *chat_template : model::text::ChatTemplate::from_name("raw")),
      raw_(template_.kind() == model::text::ChatTemplateKind::kRaw),
      train_on_prompt_(train_on_prompt),
      turn_ends_(template_.stop_strings()) {
  const std::string& eos = tokenizer_.special_tokens().eos_token;
  if (!raw_ && !eos.empty() && std::find(turn_ends_.begin(), turn_ends_.end(), eos) == turn_ends_.end()) {
    turn_ends_.push_back(eos);
  }
}

std::size_t ConversationEncoder::turn_end(const std::string& rendered, std::size_t from) const {
  std::size_t best = rendered.size();
  for (const auto& s : turn_ends_) {
    const std::size_t at = rendered.find(s, from);
    if (at != std::string::npos) best = std::min(best, at + s.size());
  }
  return best;
}

std::vector<std::size_t> ConversationEncoder::response_cuts(const std::vector<model::text::ChatMessage>& messages,
                                                            const std::string& full) const {
  const auto& special = tokenizer_.special_tokens();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].role != "assistant") continue;
    const std::vector<model::text::ChatMessage> before(messages.begin(), messages.begin() + i);
    const std::vector<model::text::ChatMessage> through(messages.begin(), messages.begin() + i + 1);
    const std::string prompt = template_.render(before, /*add_generation_prompt=*/true, special);
    const std::string turn = template_.render(through, /*add_generation_prompt=*/false, special);
    const std::size_t end = turn_end(turn, prompt.size());
    // Each render must extend the previous one, else the span is not where we cut.
    LORAG_CHECK(turn.compare(0, prompt.size(), prompt) == 0 && full.compare(0, end, turn, 0, end) == 0 &&
                    (cuts.empty() || prompt.size() >= cuts.back()),
                ConfigError, "chat template '", template_.name(), "': the render up to assistant turn ", i,
                " is not a prefix of the whole conversation, so its response span cannot be found");
    cuts.push_back(prompt.size());
    cuts.push_back(end);
  }
  return cuts;
}

LabelledTokens ConversationEncoder::encode(const std::vector<model::text::ChatMessage>& messages) const {
  const auto& special = tokenizer_.special_tokens();
  const std::string full = template_.render(messages, /*add_generation_prompt=*/false, special);
  const CutTokens tokens = tokenize_at_cuts(tokenizer_, full, response_cuts(messages, full));

  // Labels, appending eos to responses that end without a special token.
  const int64_t eos = special.eos_ids.empty() ? -1 : special.eos_ids.front();
  LabelledTokens out;
  out.split_tokenized = tokens.split;
  auto emit = [&](int64_t id, bool counts) {
    out.input_ids.push_back(id);
    out.labels.push_back(counts || train_on_prompt_ ? id : kIgnoreIndex);
  };
  if (raw_ && special.add_bos && special.bos_id >= 0) emit(special.bos_id, false);
  std::size_t t = 0;
  for (std::size_t k = 0; k < tokens.cuts.size(); k += 2) {
    for (; t < tokens.cuts[k]; ++t) emit(tokens.ids[t], false);
    for (; t < tokens.cuts[k + 1]; ++t) emit(tokens.ids[t], true);
    const bool closed = t > tokens.cuts[k] && tokenizer_.is_special(tokens.ids[t - 1]);
    if (!closed && eos >= 0) emit(eos, true);
  }
  for (; t < tokens.ids.size(); ++t) emit(tokens.ids[t], false);
  return out;
}

}  // namespace lorag::data
