// SPDX-License-Identifier: Apache-2.0
// Hugging Face tokenizer.json BPE tokenizers (model/text): SmolLM2, Qwen2,
// Llama 3, GPT-2, and the Llama-2/Mistral byte-fallback kind.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "model/text/bpe_model.h"
#include "model/text/normalizer.h"
#include "model/text/pre_tokenizer.h"
#include "model/text/vocab_tokenizer.h"

namespace lorag::model::text {

// A `tokenizer.json` whose `model.type` is "BPE". Encoding follows
// `tokenizers`: split on added tokens, normalize, pre-tokenize, BPE each word
// (cached), then the post-processor's bos/eos. Immutable once loaded (the word
// cache is internally locked), so one instance may be shared by threads.
class BpeTokenizer final : public VocabTokenizer {
 public:
  // Reads and parses `path`. Throws IoError when unreadable, FormatError naming
  // the file and field when malformed or of another model type.
  static std::unique_ptr<BpeTokenizer> load(const std::filesystem::path& path);
  // Builds from parsed JSON; `file` names it in error messages.
  BpeTokenizer(const nlohmann::json& spec, const std::string& file);

  // bos/eos named by the `TemplateProcessing` post-processor, -1 when none.
  int64_t template_bos_id() const { return template_bos_; }
  int64_t template_eos_id() const { return template_eos_; }
  std::string kind() const override { return "bpe"; }

 private:
  void read_added_tokens(const nlohmann::json& list, const JsonPlace& place);
  void read_post_processor(const nlohmann::json& spec, const JsonPlace& place);
  int64_t model_size() const override { return model_->size(); }
  std::string model_piece(int64_t id) const override { return model_->id_to_token(id); }
  std::optional<int64_t> model_piece_id(std::string_view piece) const override { return model_->token_to_id(piece); }
  void encode_segment(const TextSegment& segment, bool parse_special, std::vector<int64_t>& out) const override;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  int64_t template_bos_ = -1, template_eos_ = -1;
};

}  // namespace lorag::model::text
