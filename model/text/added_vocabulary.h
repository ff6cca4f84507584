// SPDX-License-Identifier: Apache-2.0
// Added tokens (model/text): the special and non-special tokens matched in the
// raw text before the model runs, e.g. "<|im_start|>".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lorag::model::text {

// One entry of tokenizer.json `added_tokens` / tokenizer_config.json `added_tokens_decoder`.
struct AddedToken {
  int64_t id = -1;
  std::string content;       // e.g. "<|im_end|>"
  bool special = false;      // dropped by decode(skip_special)
  bool lstrip = false;       // swallows whitespace on its left
  bool rstrip = false;       // swallows whitespace on its right
  bool single_word = false;  // matches only between word boundaries
  bool normalized = false;   // matched in normalized text instead of raw text
};

// A stretch of input: either an added token (`id >= 0`) or plain text to encode.
struct TextSegment {
  std::string_view text;
  int64_t id = -1;
  bool at_start = false;  // begins at offset 0 of the whole input
};

// Finds added tokens in text, leftmost-longest as `tokenizers`' AddedVocabulary
// (aho-corasick, MatchKind::LeftmostLongest). Immutable; thread-safe.
class AddedVocabulary {
 public:
  void add(AddedToken token);

  // Splits `text` on the tokens whose `normalized` flag equals `normalized`.
  // Segments view into `text`; `offset0` says whether `text` starts the input.
  // Without `parse_special`, special tokens are not matched (they stay text), as
  // `tokenizers`' `encode_special_tokens = True`.
  std::vector<TextSegment> split(std::string_view text, bool normalized, bool offset0,
                                 bool parse_special = true) const;

  const AddedToken* find_id(int64_t id) const;
  const AddedToken* find_content(std::string_view content) const;
  bool empty() const { return tokens_.empty(); }
  bool has_normalized() const { return has_normalized_; }
  const std::vector<AddedToken>& tokens() const { return tokens_; }

  // The pieces to decode for `ids`: added tokens by content (special ones left
  // out under `skip_special`), ids below `model_size` through `model_piece`,
  // and unknown ids dropped, as `tokenizers` does.
  std::vector<std::string> pieces_of(const std::vector<int64_t>& ids, bool skip_special, int64_t model_size,
                                     const std::function<std::string(int64_t)>& model_piece) const;

  // The vocabulary size: the model's, stretched to cover every added id.
  int64_t vocab_size_with(int64_t model_size) const;

 private:
  std::vector<AddedToken> tokens_;
  std::unordered_map<int64_t, std::size_t> by_id_;
  std::unordered_map<std::string, std::size_t> by_content_;
  // Token indices by their first byte, longest first.
  std::vector<std::size_t> by_first_byte_[256];
  bool has_normalized_ = false;
};

}  // namespace lorag::model::text
