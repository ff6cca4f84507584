// SPDX-License-Identifier: Apache-2.0
// The tokenizer.json normalizers (model/text).
#include "model/text/normalizer.h"

#include "model/core/error.h"
#include "model/core/log.h"
#include "model/text/nfc.h"
#include "model/text/utf8.h"

namespace lorag::model::text {

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

Normalizer::Normalizer(const nlohmann::json& spec, const JsonPlace& place) { add(spec, place); }
Normalizer::~Normalizer() = default;

void Normalizer::add(const nlohmann::json& spec, const JsonPlace& place) {
  if (spec.is_null()) return;
  const std::string type = json_field(spec, "type", place, nlohmann::json::value_t::string).get<std::string>();
  if (type == "Sequence") {
    const auto& list = json_field(spec, "normalizers", place, nlohmann::json::value_t::array);
    for (std::size_t i = 0; i < list.size(); ++i) add(list[i], place.child("normalizers").index(i));
  } else if (type == "Prepend") {
    Step s{Kind::kPrepend};
    s.a = json_field(spec, "prepend", place, nlohmann::json::value_t::string).get<std::string>();
    steps_.push_back(std::move(s));
  } else if (type == "Replace") {
    Step s{Kind::kReplace};
    const auto& pattern = json_field(spec, "pattern", place, nlohmann::json::value_t::object);
    s.b = json_field(spec, "content", place, nlohmann::json::value_t::string).get<std::string>();
    if (pattern.contains("Regex")) {
      s.regex = std::make_unique<Regex>(json_field(pattern, "Regex", place.child("pattern")).get<std::string>(),
                                        place.child("pattern").describe());
    } else {
      s.a = json_field(pattern, "String", place.child("pattern"), nlohmann::json::value_t::string).get<std::string>();
      LORAG_CHECK(!s.a.empty(), FormatError, place.child("pattern.String").describe(), " is empty");
    }
    steps_.push_back(std::move(s));
  } else if (type == "Lowercase") {
    steps_.push_back(Step{Kind::kLowercase});
  } else if (type == "Strip") {
    Step s{Kind::kStrip};
    s.left = json_bool_or(spec, "strip_left", place, true);
    s.right = json_bool_or(spec, "strip_right", place, true);
    steps_.push_back(std::move(s));
  } else if (type == "NFC" || type == "NFKC") {
    // TODO(text): NFKC's compatibility mappings (e.g. "ﬁ" -> "fi"); NFKC is applied as NFC.
    if (type == "NFKC") log::warn(place.describe(), ": NFKC is applied as NFC (compatibility mappings are skipped)");
    steps_.push_back(Step{Kind::kNfc});
  } else {
    LORAG_FAIL(FormatError, place.child("type").describe(), " is '", type,
               "', expected one of Sequence, Prepend, Replace, NFC, NFKC, Lowercase, Strip");
  }
}

namespace {

std::string strip(const std::string& text, bool left, bool right) {
  std::size_t b = 0, e = text.size();
  if (left) {
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t at = pos;
      const long cp = utf8::next(text, pos);
      if (cp < 0 || !utf8::is_whitespace(static_cast<char32_t>(cp))) { b = at; break; }
      b = pos;
    }
  }
  if (right) {
    while (e > b) {
      std::size_t start = e - 1;
      while (start > b && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      std::size_t pos = start;
      const long cp = utf8::next(text, pos);
      if (cp < 0 || !utf8::is_whitespace(static_cast<char32_t>(cp))) break;
      e = start;
    }
  }
  return text.substr(b, e - b);
}

}  // namespace

std::string Normalizer::apply(std::string text) const {
  for (const Step& s : steps_) {
    switch (s.kind) {
      case Kind::kPrepend:
        // `tokenizers` prepends only to non-empty pieces.
        if (!text.empty()) text = s.a + text;
        break;
      case Kind::kReplace:
        if (s.regex) {
          std::string out;
          std::size_t pos = 0;
          for (auto [b, e] : s.regex->find_all(text)) {
            out.append(text, pos, b - pos);
            out.append(s.b);
            pos = e;
          }
          out.append(text, pos, std::string::npos);
          text = std::move(out);
        } else {
          text = replace_all(text, s.a, s.b);
        }
        break;
      case Kind::kLowercase:
        for (char& c : text) if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        break;
      case Kind::kStrip:
        text = strip(text, s.left, s.right);
        break;
      case Kind::kNfc:
        text = to_nfc(text);
        break;
    }
  }
  return text;
}

}  // namespace lorag::model::text
