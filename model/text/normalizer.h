// SPDX-License-Identifier: Apache-2.0
// The tokenizer.json `normalizer` (model/text): the text rewrites applied to
// each piece between added tokens before pre-tokenization.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/text/json_field.h"
#include "model/text/regex.h"

namespace lorag::model::text {

// Supports null, `Sequence`, `Prepend`, `Replace` (String or Regex pattern),
// `NFC`, `NFKC` (applied as NFC: compatibility mappings are skipped),
// `Lowercase` (ASCII only) and `Strip`. Immutable; thread-safe.
class Normalizer {
 public:
  // Builds from the JSON value (null gives the identity). Throws FormatError
  // naming `place` for an unknown `type` or a missing field.
  Normalizer(const nlohmann::json& spec, const JsonPlace& place);
  ~Normalizer();

  // The normalized form of `text` (valid UTF-8).
  std::string apply(std::string text) const;

 private:
  enum class Kind { kPrepend, kReplace, kLowercase, kStrip, kNfc };
  struct Step {
    Kind kind;
    std::string a{}, b{};                // Prepend: a; Replace: pattern a -> b
    std::unique_ptr<Regex> regex{};    // Replace with a Regex pattern
    bool left = false, right = false;  // Strip
  };
  void add(const nlohmann::json& spec, const JsonPlace& place);
  std::vector<Step> steps_;
};

// Replaces every occurrence of `from` (non-empty) in `text` by `to`.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to);

}  // namespace lorag::model::text
