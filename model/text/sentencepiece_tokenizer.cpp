// SPDX-License-Identifier: Apache-2.0
// Sentencepiece tokenizers (model/text).
#include "model/text/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include <fstream>
#include <sstream>

#include "model/core/atomic_file.h"
#include "model/core/error.h"

namespace lorag::model::text {

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::filesystem::path& model_file,
                                                                     const SentencePieceOptions& options) {
  check_regular_file(model_file);
  std::ifstream in(model_file, std::ios::binary);
  LORAG_CHECK(in.good(), IoError, model_file.string(), ": cannot open for reading");
  std::stringstream buf;
  buf << in.rdbuf();
  // Appending a second `normalizer_spec` (ModelProto field 3) holding
  // `add_dummy_prefix` (field 3) = false merges into the first one, as protobuf
  // merges repeated singular messages: tag 0x1A, length 2, tag 0x18, value 0.
  std::string proto = buf.str();
  // Models trained without a dummy prefix (Gemma) get none from transformers either.
  bool model_adds_prefix = true;
  {
    sentencepiece::SentencePieceProcessor original;
    const auto status = original.LoadFromSerializedProto(proto);
    LORAG_CHECK(status.ok(), FormatError, model_file.string(), ": not a sentencepiece model (", status.ToString(), ")");
    std::vector<std::string> pieces;
    original.Encode("a", &pieces);
    model_adds_prefix = !pieces.empty() && pieces[0].rfind("\xE2\x96\x81", 0) == 0;
  }
  proto.append("\x1A\x02\x18\x00", 4);
  std::unique_ptr<SentencePieceTokenizer> tok(new SentencePieceTokenizer());
  tok->sp_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = tok->sp_->LoadFromSerializedProto(proto);
  LORAG_CHECK(status.ok(), FormatError, model_file.string(), ": not a sentencepiece model (", status.ToString(), ")");
  tok->options_ = options;
  tok->options_.add_prefix_space = options.add_prefix_space && model_adds_prefix;

  // Control and unknown pieces are special added tokens in transformers.
  for (int id = 0; id < tok->sp_->GetPieceSize(); ++id) {
    if (tok->sp_->IsControl(id) || tok->sp_->IsUnknown(id)) {
      tok->added_.add({id, tok->sp_->IdToPiece(id), true, false, false, false, false});
    }
  }
  nlohmann::json decoders = nlohmann::json::array({
      {{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
      {{"type", "ByteFallback"}},
      {{"type", "Fuse"}}});
  if (tok->options_.add_prefix_space) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  tok->decoder_ = std::make_unique<Decoder>(nlohmann::json{{"type", "Sequence"}, {"decoders", decoders}},
                                            JsonPlace{model_file.string(), "decoder"});
  return tok;
}

void SentencePieceTokenizer::encode_segment(const TextSegment& segment, bool, std::vector<int64_t>& out) const {
  // Metaspace(prepend_scheme = first | always | never), as transformers'
  // `_get_prepend_scheme(add_prefix_space, legacy)` picks it.
  const bool scheme_allows = options_.add_prefix_space && (options_.legacy || segment.at_start);
  std::string piece;
  const bool has_prefix = segment.text.front() == ' ' || segment.text.rfind("\xE2\x96\x81", 0) == 0;  // " " or "▁"
  if (scheme_allows && !has_prefix) piece.push_back(' ');
  piece.append(segment.text);
  std::vector<int> piece_ids;
  sp_->Encode(piece, &piece_ids);
  out.insert(out.end(), piece_ids.begin(), piece_ids.end());
}

int64_t SentencePieceTokenizer::model_size() const { return sp_->GetPieceSize(); }

std::optional<int64_t> SentencePieceTokenizer::model_piece_id(std::string_view piece) const {
  const int id = sp_->PieceToId(std::string(piece));
  // PieceToId answers the unk id for unknown pieces.
  if (sp_->IsUnknown(id) && sp_->IdToPiece(id) != piece) return std::nullopt;
  return id;
}

std::string SentencePieceTokenizer::model_piece(int64_t id) const {
  return id >= 0 && id < sp_->GetPieceSize() ? sp_->IdToPiece(static_cast<int>(id)) : std::string();
}

}  // namespace lorag::model::text
