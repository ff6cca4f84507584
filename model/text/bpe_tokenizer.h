// SPDX-License-Identifier: Apache-2.0
// Hugging Face tokenizer.json BPE tokenizers (model/text): SmolLM2, Qwen2,
// Llama 3, GPT-2, and the Llama-2/Mistral byte-fallback kind.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "model/text/added_vocabulary.h"
#include "model/text/bpe_model.h"
#include "model/text/decoder.h"
#include "model/text/normalizer.h"
#include "model/text/pre_tokenizer.h"
#include "model/text/tokenizer.h"

namespace lorag::text {

// A `tokenizer.json` whose `model.type` is "BPE". Encoding follows
// `tokenizers`: split on added tokens, normalize, pre-tokenize, BPE each word
// (cached), then the post-processor's bos/eos. Immutable once loaded (the word
// cache is internally locked), so one instance may be shared by threads.
class BpeTokenizer final : public Tokenizer {
 public:
  // Reads and parses `path`. Throws IoError when unreadable, FormatError naming
  // the file and field when malformed or of another model type.
  static std::unique_ptr<BpeTokenizer> load(const std::filesystem::path& path);
  // Builds from parsed JSON; `file` names it in error messages.
  BpeTokenizer(const nlohmann::json& spec, const std::string& file);

  // Sets the special tokens (the loader resolves them from the config files).
  // Call before sharing the instance.
  void set_special_tokens(SpecialTokens tokens) { special_ = std::move(tokens); }
  // bos/eos named by the `TemplateProcessing` post-processor, -1 when none.
  int64_t template_bos_id() const { return template_bos_; }
  int64_t template_eos_id() const { return template_eos_; }
  const AddedVocabulary& added_tokens() const { return added_; }

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
  std::string kind() const override { return "bpe"; }

 private:
  void read_added_tokens(const nlohmann::json& list, const JsonPlace& place);
  void read_post_processor(const nlohmann::json& spec, const JsonPlace& place);
  std::vector<int64_t> encode_with(std::string_view text, bool add_special, bool parse_special) const;
  void encode_plain(std::string_view text, bool at_start, bool parse_special, std::vector<int64_t>& out) const;
  std::vector<std::string> tokens_of(const std::vector<int64_t>& ids, bool skip_special) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  SpecialTokens special_;
  int64_t template_bos_ = -1, template_eos_ = -1;
};

}  // namespace lorag::text
