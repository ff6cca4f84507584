// SPDX-License-Identifier: Apache-2.0
// The tokenizer interface (model/text) shared by sentencepiece and tokenizer.json
// BPE models, and the loader that picks one from a model folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/core/error.h"

namespace lorag::model::text {

// Token ids the generator and chat templates need. Ids are -1 when the model has none.
struct SpecialTokens {
  int64_t bos_id = -1;               // e.g. 1 for Llama 2
  int64_t pad_id = -1;               // e.g. 0; -1 when the model defines no padding token
  std::vector<int64_t> eos_ids;      // every id that ends generation, e.g. {128001, 128009}
  std::string bos_token;             // text form, e.g. "<s>"; used by chat templates
  std::string eos_token;             // e.g. "</s>"
  bool add_bos = false;              // whether encode(text, add_special=true) prepends bos
  bool add_eos = false;              // whether encode(text, add_special=true) appends eos
};

// Converts between text and token ids. Implementations are immutable after
// loading, so one instance may be shared by threads.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text to ids. Special/added tokens written in `text` (e.g. "<|im_start|>")
  // become their single ids, as transformers does. `add_special` prepends/appends
  // bos/eos as the tokenizer's config says (transformers' add_special_tokens).
  virtual std::vector<int64_t> encode(std::string_view text, bool add_special) const = 0;

  // encode, except that special tokens written in `text` stay plain text and are
  // split like any other (`tokenizers`' encode_special_tokens = True, llama.cpp's
  // parse_special = false); non-special added tokens still match. The default
  // throws UsageError for tokenizers that cannot do this.
  virtual std::vector<int64_t> encode_literal(std::string_view text, bool add_special) const {
    (void)text, (void)add_special;
    throw UsageError("this tokenizer always parses special tokens written in the text");
  }

  // Ids to text, as transformers' decode(ids, skip_special_tokens=skip_special):
  // invalid UTF-8 becomes U+FFFD.
  virtual std::string decode(const std::vector<int64_t>& ids, bool skip_special) const = 0;

  // Ids to the raw bytes they stand for, with no UTF-8 repair and no
  // leading-space stripping tied to position; the streaming decoder uses it.
  virtual std::string decode_bytes(const std::vector<int64_t>& ids, bool skip_special) const = 0;

  virtual int64_t vocab_size() const = 0;
  // The id of a token's exact string form (e.g. "<|im_end|>"), if any.
  virtual std::optional<int64_t> token_to_id(std::string_view token) const = 0;
  // A token's string form as stored in the vocabulary (e.g. "Ġhello", "▁hello").
  virtual std::string id_to_token(int64_t id) const = 0;
  virtual bool is_special(int64_t id) const = 0;

  virtual const SpecialTokens& special_tokens() const = 0;
  // "sentencepiece" or "bpe": shown by `lorag info`.
  virtual std::string kind() const = 0;
};

// Loads the tokenizer of a Hugging Face model folder: `tokenizer.model`
// (sentencepiece) when present, else `tokenizer.json`. Special tokens come from
// tokenizer_config.json / special_tokens_map.json / generation_config.json /
// config.json as transformers resolves them.
// Throws IoError when neither file exists, FormatError naming the file and field
// when one is malformed.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir);

}  // namespace lorag::model::text
