// SPDX-License-Identifier: Apache-2.0
// The tokenizer.json `decoder` (model/text): turns token strings back into text.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/text/json_field.h"
#include "model/text/regex.h"

namespace lorag::model::text {

// Supports null (tokens joined with spaces, as `tokenizers`), `ByteLevel`,
// `Metaspace`, `Replace`, `ByteFallback`, `Fuse`, `Strip` and `Sequence`
// (decoders/*.rs). Immutable; thread-safe.
class Decoder {
 public:
  // Throws FormatError naming `place` for an unknown type or missing field.
  Decoder(const nlohmann::json& spec, const JsonPlace& place);
  ~Decoder();

  // The text of `tokens` as `tokenizers`' decode_chain gives it: valid UTF-8,
  // invalid bytes as U+FFFD, leading-space stripping applied.
  std::string decode(std::vector<std::string> tokens) const;
  // The raw bytes: no U+FFFD repair and no position-dependent stripping, so
  // the result for a sequence is the concatenation of its tokens' results.
  std::string decode_bytes(std::vector<std::string> tokens) const;

 private:
  enum class Kind { kByteLevel, kMetaspace, kReplace, kByteFallback, kFuse, kStrip };
  struct Step {
    Kind kind;
    std::string a{}, b{};  // Metaspace: replacement; Replace: pattern -> content; Strip: content
    std::unique_ptr<Regex> regex{};
    bool prepend = true;  // Metaspace: prepend_scheme != never
    int start = 0, stop = 0;  // Strip
  };
  void add(const nlohmann::json& spec, const JsonPlace& place);
  void apply(const Step& step, std::vector<std::string>& tokens, bool raw) const;
  std::vector<Step> steps_;
  bool null_ = false;
};

}  // namespace lorag::model::text
