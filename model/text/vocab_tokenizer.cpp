// SPDX-License-Identifier: Apache-2.0
// The part the BPE and sentencepiece tokenizers share (model/text).
#include "model/text/vocab_tokenizer.h"

#include "model/text/utf8.h"

namespace lorag::model::text {

std::vector<int64_t> VocabTokenizer::encode_with(std::string_view text, bool add_special, bool parse_special) const {
  // `tokenizers` only takes Rust strings; repair bad UTF-8 the way Python would
  // have refused it, so the regexes see valid input.
  std::string repaired;
  if (!utf8::is_valid(text)) {
    repaired = utf8::repair(text);
    text = repaired;
  }
  std::vector<int64_t> ids;
  if (add_special && special_.add_bos && special_.bos_id >= 0) ids.push_back(special_.bos_id);
  for (const TextSegment& seg : added_.split(text, false, true, parse_special)) {
    if (seg.id >= 0) ids.push_back(seg.id);
    else encode_segment(seg, parse_special, ids);
  }
  if (add_special && special_.add_eos && !special_.eos_ids.empty()) {
    // transformers appends eos_token's id; eos_ids may list others first (generation_config).
    const int64_t eos = special_.eos_token.empty() ? special_.eos_ids.front()
                                                   : token_to_id(special_.eos_token).value_or(special_.eos_ids.front());
    ids.push_back(eos);
  }
  return ids;
}

std::vector<std::string> VocabTokenizer::pieces_of(const std::vector<int64_t>& ids, bool skip_special) const {
  return added_.pieces_of(ids, skip_special, model_size(), [this](int64_t id) { return model_piece(id); });
}

std::string VocabTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special) const {
  return decoder_->decode(pieces_of(ids, skip_special));
}

std::string VocabTokenizer::decode_bytes(const std::vector<int64_t>& ids, bool skip_special) const {
  return decoder_->decode_bytes(pieces_of(ids, skip_special));
}

int64_t VocabTokenizer::vocab_size() const { return added_.vocab_size_with(model_size()); }

std::optional<int64_t> VocabTokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* t = added_.find_content(token)) return t->id;
  return model_piece_id(token);
}

std::string VocabTokenizer::id_to_token(int64_t id) const {
  if (const AddedToken* t = added_.find_id(id)) return t->content;
  return model_piece(id);
}

bool VocabTokenizer::is_special(int64_t id) const {
  const AddedToken* t = added_.find_id(id);
  return t != nullptr && t->special;
}

}  // namespace lorag::model::text
