// SPDX-License-Identifier: Apache-2.0
// The part the BPE and sentencepiece tokenizers share (model/text): a model
// vocabulary with transformers' added tokens on top, bos/eos, and decoding
// through a `tokenizers` decoder.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/text/added_vocabulary.h"
#include "model/text/decoder.h"
#include "model/text/tokenizer.h"

namespace lorag::model::text {

// Encoding splits the text on added tokens (each becomes its id), hands every
// run between them to the subclass, and adds bos/eos as SpecialTokens says.
// Decoding maps ids to pieces (added tokens first) and runs the decoder. The
// subclass supplies its model vocabulary and how a run of plain text encodes.
class VocabTokenizer : public Tokenizer {
 public:
  // Sets the special tokens (the loader resolves them from the config files).
  // Call before sharing the instance.
  void set_special_tokens(SpecialTokens tokens) { special_ = std::move(tokens); }
  const AddedVocabulary& added_tokens() const { return added_; }

  std::vector<int64_t> encode(std::string_view text, bool add_special) const final {
    return encode_with(text, add_special, true);
  }
  std::vector<int64_t> encode_literal(std::string_view text, bool add_special) const final {
    return encode_with(text, add_special, false);
  }
  std::string decode(const std::vector<int64_t>& ids, bool skip_special) const final;
  std::string decode_bytes(const std::vector<int64_t>& ids, bool skip_special) const final;
  int64_t vocab_size() const final;
  std::optional<int64_t> token_to_id(std::string_view token) const final;
  std::string id_to_token(int64_t id) const final;
  bool is_special(int64_t id) const final;
  const SpecialTokens& special_tokens() const final { return special_; }

 protected:
  // The model's own pieces, ids [0, model_size()); added tokens may lie past them.
  virtual int64_t model_size() const = 0;
  // A piece's text; "" for an id outside [0, model_size()).
  virtual std::string model_piece(int64_t id) const = 0;
  virtual std::optional<int64_t> model_piece_id(std::string_view piece) const = 0;
  // Appends the ids of `segment`, a run of text between added tokens (never empty).
  virtual void encode_segment(const TextSegment& segment, bool parse_special, std::vector<int64_t>& out) const = 0;

  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  SpecialTokens special_;

 private:
  std::vector<int64_t> encode_with(std::string_view text, bool add_special, bool parse_special) const;
  std::vector<std::string> pieces_of(const std::vector<int64_t>& ids, bool skip_special) const;
};

}  // namespace lorag::model::text
