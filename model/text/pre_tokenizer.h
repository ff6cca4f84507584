// SPDX-License-Identifier: Apache-2.0
// The tokenizer.json `pre_tokenizer` (model/text): splits normalized text into
// the words the BPE model encodes one by one.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/text/json_field.h"
#include "model/text/regex.h"

namespace lorag::model::text {

// One pre-token. `at_start` is true when it begins at offset 0 of the original
// input (Metaspace's `prepend_scheme: first` looks at it).
struct PreToken {
  std::string text;
  bool at_start = false;
};

// Supports null, `Sequence`, `ByteLevel` (`add_prefix_space`, `use_regex`),
// `Split` (String or Regex pattern, every `behavior`, `invert`), `Digits`,
// `Metaspace`, `Whitespace` and `WhitespaceSplit`. Regexes compile once at
// construction. Immutable; thread-safe.
class PreTokenizer {
 public:
  // Throws FormatError naming `place` for an unknown type, a missing field or
  // a pattern that does not compile.
  PreTokenizer(const nlohmann::json& spec, const JsonPlace& place);
  ~PreTokenizer();

  // Splits one normalized piece (valid UTF-8) into pre-tokens.
  std::vector<PreToken> split(PreToken piece) const;

 private:
  enum class Kind { kSplit, kByteLevel, kMetaspace };
  enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };
  struct Step {
    Kind kind;
    std::unique_ptr<Regex> regex{};  // Split pattern; ByteLevel's GPT-2 pattern when `use_regex`
    std::string literal{};           // Split with a String pattern
    Behavior behavior = Behavior::kIsolated;
    bool invert = false;
    bool add_prefix_space = false;  // ByteLevel
    std::string replacement{};      // Metaspace, e.g. "▁"
    std::string prepend_scheme{};   // Metaspace: "always" | "first" | "never"
    bool metaspace_split = false;
  };
  void add(const nlohmann::json& spec, const JsonPlace& place);
  void add_split(std::unique_ptr<Regex> regex, std::string literal, Behavior behavior, bool invert);
  static Behavior parse_behavior(const std::string& name, const JsonPlace& place);
  void apply(const Step& step, PreToken piece, std::vector<PreToken>& out) const;
  static void split_ranges(const PreToken& piece, const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                           Behavior behavior, bool invert, std::vector<PreToken>& out);
  std::vector<Step> steps_;
};

}  // namespace lorag::model::text
