// SPDX-License-Identifier: Apache-2.0
// Sentencepiece `tokenizer.model` tokenizers (model/text): Llama 2, TinyLlama,
// Mistral, Gemma, matched to transformers' LlamaTokenizer.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "model/text/vocab_tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace lorag::model::text {

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
class SentencePieceTokenizer final : public VocabTokenizer {
 public:
  // Throws IoError when `model_file` cannot be read, FormatError when it is not
  // a sentencepiece model.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& model_file,
                                                      const SentencePieceOptions& options);
  ~SentencePieceTokenizer() override;

  // Registers a token from tokenizer_config.json `added_tokens_decoder`. Call
  // before sharing the instance.
  void add_token(AddedToken token) { added_.add(std::move(token)); }
  std::string kind() const override { return "sentencepiece"; }

 private:
  SentencePieceTokenizer() = default;
  int64_t model_size() const override;
  std::string model_piece(int64_t id) const override;
  std::optional<int64_t> model_piece_id(std::string_view piece) const override;
  void encode_segment(const TextSegment& segment, bool parse_special, std::vector<int64_t>& out) const override;

  // Loaded with `add_dummy_prefix` forced off: the prefix is added here instead,
  // following the prepend scheme.
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  SentencePieceOptions options_;
};

}  // namespace lorag::model::text
