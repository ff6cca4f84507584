// SPDX-License-Identifier: Apache-2.0
// Sentencepiece `tokenizer.model` tokenizers (model/text): Llama 2, TinyLlama,
// Mistral, Gemma, matched to transformers' LlamaTokenizer.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "model/text/added_vocabulary.h"
#include "model/text/decoder.h"
#include "model/text/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace lorag::text {

// How transformers 5 sets the tokenizer up (tokenizer_config.json fields).
struct SentencePieceOptions {
  bool legacy = false;           // `legacy`: true prepends "▁" after every added token too
  bool add_prefix_space = true;  // `add_prefix_space`: false never prepends "▁" (nor does a model
                                 // trained without `add_dummy_prefix`, such as Gemma's)
};

// Wraps libsentencepiece. Encoding matches transformers 5's LlamaTokenizer
// (which converts the model to a Metaspace + byte-fallback BPE): control
// tokens (<s>, </s>, <unk>) and added tokens written in the text become single
// ids; the dummy "▁" is prepended only to text at the very start of the input
// (or to every piece when `legacy`), never when the piece already starts with
// a space. Plain pieces are encoded by sentencepiece itself. Decoding follows
// the Replace/ByteFallback/Fuse/Strip decoder transformers uses.
// Immutable once loaded; sentencepiece encoding is thread-safe.
class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Throws IoError when `model_file` cannot be read, FormatError when it is not
  // a sentencepiece model.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& model_file,
                                                      const SentencePieceOptions& options);
  ~SentencePieceTokenizer() override;

  // Registers a token from tokenizer_config.json `added_tokens_decoder`. Call
  // before sharing the instance.
  void add_token(AddedToken token) { added_.add(std::move(token)); }
  void set_special_tokens(SpecialTokens tokens) { special_ = std::move(tokens); }

  std::vector<int64_t> encode(std::string_view text, bool add_special) const override {
    return encode_with(text, add_special, true);
  }
  std::vector<int64_t> encode_literal(std::string_view text, bool add_special) const override {
    return encode_with(text, add_special, false);
  }
  std::string decode(const std::vector<int64_t>& ids, bool skip_special) const override;
  std::string decode_bytes(const std::vector<int64_t>& ids, bool skip_special) const override;
  int64_t vocab_size() const override;
  std::optional<int64_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(int64_t id) const override;
  bool is_special(int64_t id) const override;
  const SpecialTokens& special_tokens() const override { return special_; }
  std::string kind() const override { return "sentencepiece"; }

 private:
  std::vector<int64_t> encode_with(std::string_view text, bool add_special, bool parse_special) const;
  SentencePieceTokenizer() = default;
  std::vector<std::string> tokens_of(const std::vector<int64_t>& ids, bool skip_special) const;

  // Loaded with `add_dummy_prefix` forced off: the prefix is added here instead,
  // following the prepend scheme.
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  SpecialTokens special_;
  SentencePieceOptions options_;
};

}  // namespace lorag::text
