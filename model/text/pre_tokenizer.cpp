// SPDX-License-Identifier: Apache-2.0
// The tokenizer.json pre-tokenizers (model/text), following Hugging Face
// `tokenizers` (pre_tokenizers/*.rs) split by split.
#include "model/text/pre_tokenizer.h"

#include "model/core/error.h"
#include "model/text/byte_level.h"
#include "model/text/normalizer.h"

namespace lorag::model::text {
namespace {

// GPT-2's pattern, as `tokenizers`' ByteLevel uses it.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::vector<std::pair<std::size_t, std::size_t>> literal_ranges(std::string_view text, std::string_view lit) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  if (lit.empty()) return out;
  for (std::size_t pos = text.find(lit); pos != std::string_view::npos; pos = text.find(lit, pos + lit.size())) {
    out.emplace_back(pos, pos + lit.size());
  }
  return out;
}

}  // namespace

PreTokenizer::PreTokenizer(const nlohmann::json& spec, const JsonPlace& place) { add(spec, place); }
PreTokenizer::~PreTokenizer() = default;

PreTokenizer::Behavior PreTokenizer::parse_behavior(const std::string& name, const JsonPlace& place) {
  if (name == "Removed") return Behavior::kRemoved;
  if (name == "Isolated") return Behavior::kIsolated;
  if (name == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return Behavior::kMergedWithNext;
  if (name == "Contiguous") return Behavior::kContiguous;
  LORAG_FAIL(FormatError, place.describe(), " is '", name,
             "', expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
}

void PreTokenizer::add_split(std::unique_ptr<Regex> regex, std::string literal, Behavior behavior, bool invert) {
  Step s{Kind::kSplit};
  s.regex = std::move(regex);
  s.literal = std::move(literal);
  s.behavior = behavior;
  s.invert = invert;
  steps_.push_back(std::move(s));
}

void PreTokenizer::add(const nlohmann::json& spec, const JsonPlace& place) {
  using VT = nlohmann::json::value_t;
  if (spec.is_null()) return;
  const std::string type = json_field(spec, "type", place, VT::string).get<std::string>();
  if (type == "Sequence") {
    const auto& list = json_field(spec, "pretokenizers", place, VT::array);
    for (std::size_t i = 0; i < list.size(); ++i) add(list[i], place.child("pretokenizers").index(i));
  } else if (type == "Split") {
    const auto& pattern = json_field(spec, "pattern", place, VT::object);
    const auto behavior = parse_behavior(json_field(spec, "behavior", place, VT::string).get<std::string>(),
                                         place.child("behavior"));
    const bool invert = json_bool_or(spec, "invert", place, false);
    if (pattern.contains("Regex")) {
      const JsonPlace where = place.child("pattern").child("Regex");
      auto regex = std::make_unique<Regex>(json_field(pattern, "Regex", place.child("pattern"), VT::string).get<std::string>(),
                                           where.describe());
      add_split(std::move(regex), "", behavior, invert);
    } else {
      add_split(nullptr, json_field(pattern, "String", place.child("pattern"), VT::string).get<std::string>(),
                behavior, invert);
    }
  } else if (type == "Digits") {
    // `tokenizers`: split on `char::is_numeric`, Isolated or Contiguous.
    const bool individual = json_bool_or(spec, "individual_digits", place, false);
    add_split(std::make_unique<Regex>(R"(\p{N})", place.describe()), "",
              individual ? Behavior::kIsolated : Behavior::kContiguous, false);
  } else if (type == "Whitespace") {
    add_split(std::make_unique<Regex>(R"(\w+|[^\w\s]+)", place.describe()), "", Behavior::kRemoved, true);
  } else if (type == "WhitespaceSplit") {
    add_split(std::make_unique<Regex>(R"(\s+)", place.describe()), "", Behavior::kRemoved, false);
  } else if (type == "ByteLevel") {
    Step s{Kind::kByteLevel};
    s.add_prefix_space = json_bool_or(spec, "add_prefix_space", place, true);
    if (json_bool_or(spec, "use_regex", place, true)) s.regex = std::make_unique<Regex>(kGpt2Pattern, place.describe());
    steps_.push_back(std::move(s));
  } else if (type == "Metaspace") {
    Step s{Kind::kMetaspace};
    s.replacement = json_field(spec, "replacement", place, VT::string).get<std::string>();
    s.metaspace_split = json_bool_or(spec, "split", place, true);
    // Older files carry `add_prefix_space` instead of `prepend_scheme`.
    const bool prefix = json_bool_or(spec, "add_prefix_space", place, true);
    s.prepend_scheme = json_string_or(spec, "prepend_scheme", place, prefix ? "always" : "never");
    LORAG_CHECK(s.prepend_scheme == "always" || s.prepend_scheme == "first" || s.prepend_scheme == "never",
                FormatError, place.child("prepend_scheme").describe(), " is '", s.prepend_scheme,
                "', expected always, first or never");
    steps_.push_back(std::move(s));
  } else {
    LORAG_FAIL(FormatError, place.child("type").describe(), " is '", type,
               "', expected one of Sequence, ByteLevel, Split, Digits, Metaspace, Whitespace, WhitespaceSplit");
  }
}

void PreTokenizer::split_ranges(const PreToken& piece, const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                                Behavior behavior, bool invert, std::vector<PreToken>& out) {
  // Segments [b, e) tagged as matched or not, covering the whole piece.
  struct Seg { std::size_t b, e; bool match; };
  std::vector<Seg> segs;
  std::size_t pos = 0;
  for (auto [b, e] : ranges) {
    if (b > pos) segs.push_back({pos, b, invert});
    segs.push_back({b, e, !invert});
    pos = e;
  }
  if (pos < piece.text.size()) segs.push_back({pos, piece.text.size(), invert});

  std::vector<std::pair<std::size_t, std::size_t>> parts;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const Seg& s = segs[i];
    switch (behavior) {
      case Behavior::kRemoved:
        if (!s.match) parts.emplace_back(s.b, s.e);
        break;
      case Behavior::kIsolated:
        parts.emplace_back(s.b, s.e);
        break;
      case Behavior::kMergedWithPrevious:
        if (s.match && !parts.empty() && parts.back().second == s.b) parts.back().second = s.e;
        else parts.emplace_back(s.b, s.e);
        break;
      case Behavior::kMergedWithNext:
        if (i > 0 && segs[i - 1].match && !parts.empty() && parts.back().second == s.b) parts.back().second = s.e;
        else parts.emplace_back(s.b, s.e);
        break;
      case Behavior::kContiguous:
        if (s.match && i > 0 && segs[i - 1].match && !parts.empty()) parts.back().second = s.e;
        else parts.emplace_back(s.b, s.e);
        break;
    }
  }
  for (auto [b, e] : parts) {
    if (e > b) out.push_back({piece.text.substr(b, e - b), piece.at_start && b == 0});
  }
}

void PreTokenizer::apply(const Step& step, PreToken piece, std::vector<PreToken>& out) const {
  switch (step.kind) {
    case Kind::kSplit: {
      auto ranges = step.regex ? step.regex->find_all(piece.text, /*keep_empty=*/true)
                               : literal_ranges(piece.text, step.literal);
      split_ranges(piece, ranges, step.behavior, step.invert, out);
      break;
    }
    case Kind::kByteLevel: {
      if (step.add_prefix_space && piece.text.rfind(' ', 0) != 0) piece.text.insert(0, " ");
      std::vector<PreToken> parts;
      if (step.regex) split_ranges(piece, step.regex->find_all(piece.text), Behavior::kIsolated, false, parts);
      else parts.push_back(std::move(piece));
      for (auto& p : parts) out.push_back({byte_level::encode(p.text), p.at_start});
      break;
    }
    case Kind::kMetaspace: {
      piece.text = replace_all(piece.text, " ", step.replacement);
      const bool prepend = step.prepend_scheme == "always" || (step.prepend_scheme == "first" && piece.at_start);
      if (prepend && piece.text.rfind(step.replacement, 0) != 0) piece.text.insert(0, step.replacement);
      if (step.metaspace_split) {
        // Split before each replacement character (MergedWithNext).
        split_ranges(piece, literal_ranges(piece.text, step.replacement), Behavior::kMergedWithNext, false, out);
      } else {
        out.push_back(std::move(piece));
      }
      break;
    }
  }
}

std::vector<PreToken> PreTokenizer::split(PreToken piece) const {
  std::vector<PreToken> current;
  current.push_back(std::move(piece));
  for (const Step& step : steps_) {
    std::vector<PreToken> next;
    next.reserve(current.size());
    for (PreToken& p : current) apply(step, std::move(p), next);
    current = std::move(next);
  }
  return current;
}

}  // namespace lorag::model::text
