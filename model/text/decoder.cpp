// SPDX-License-Identifier: Apache-2.0
// The tokenizer.json decoders (model/text), after `tokenizers`' decoders/*.rs.
#include "model/text/decoder.h"

#include "model/core/error.h"
#include "model/text/byte_level.h"
#include "model/text/normalizer.h"
#include "model/text/utf8.h"

namespace lorag::model::text {

Decoder::Decoder(const nlohmann::json& spec, const JsonPlace& place) {
  null_ = spec.is_null();
  add(spec, place);
}
Decoder::~Decoder() = default;

void Decoder::add(const nlohmann::json& spec, const JsonPlace& place) {
  using VT = nlohmann::json::value_t;
  if (spec.is_null()) return;
  const std::string type = json_field(spec, "type", place, VT::string).get<std::string>();
  Step s{Kind::kFuse};
  if (type == "Sequence") {
    const auto& list = json_field(spec, "decoders", place, VT::array);
    for (std::size_t i = 0; i < list.size(); ++i) add(list[i], place.child("decoders").index(i));
    return;
  } else if (type == "ByteLevel") {
    s.kind = Kind::kByteLevel;
  } else if (type == "Metaspace") {
    s.kind = Kind::kMetaspace;
    s.a = json_field(spec, "replacement", place, VT::string).get<std::string>();
    const bool prefix = json_bool_or(spec, "add_prefix_space", place, true);
    s.prepend = json_string_or(spec, "prepend_scheme", place, prefix ? "always" : "never") != "never";
  } else if (type == "Replace") {
    s.kind = Kind::kReplace;
    const auto& pattern = json_field(spec, "pattern", place, VT::object);
    s.b = json_field(spec, "content", place, VT::string).get<std::string>();
    if (pattern.contains("Regex")) {
      s.regex = std::make_unique<Regex>(pattern["Regex"].get<std::string>(), place.child("pattern").describe());
    } else {
      s.a = json_field(pattern, "String", place.child("pattern"), VT::string).get<std::string>();
    }
  } else if (type == "ByteFallback") {
    s.kind = Kind::kByteFallback;
  } else if (type == "Fuse") {
    s.kind = Kind::kFuse;
  } else if (type == "Strip") {
    s.kind = Kind::kStrip;
    s.a = json_field(spec, "content", place, VT::string).get<std::string>();
    s.start = static_cast<int>(json_int_or(spec, "start", place, 0));
    s.stop = static_cast<int>(json_int_or(spec, "stop", place, 0));
  } else {
    LORAG_FAIL(FormatError, place.child("type").describe(), " is '", type,
               "', expected one of Sequence, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip");
  }
  steps_.push_back(std::move(s));
}

namespace {

// "<0x41>" -> 0x41, or -1.
int byte_token(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
  int v = 0;
  for (int i = 3; i < 5; ++i) {
    const char c = t[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

}  // namespace

void Decoder::apply(const Step& step, std::vector<std::string>& tokens, bool raw) const {
  switch (step.kind) {
    case Kind::kByteLevel: {
      std::string bytes;
      for (const auto& t : tokens) byte_level::decode_token(t, bytes);
      tokens.assign(1, raw ? std::move(bytes) : utf8::repair(bytes));
      break;
    }
    case Kind::kMetaspace:
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        tokens[i] = replace_all(tokens[i], step.a, " ");
        if (!raw && i == 0 && step.prepend && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
      }
      break;
    case Kind::kReplace:
      for (auto& t : tokens) {
        if (!step.regex) { t = replace_all(t, step.a, step.b); continue; }
        std::string out;
        std::size_t pos = 0;
        for (auto [b, e] : step.regex->find_all(t)) { out.append(t, pos, b - pos); out.append(step.b); pos = e; }
        out.append(t, pos, std::string::npos);
        t = std::move(out);
      }
      break;
    case Kind::kByteFallback: {
      // Runs of <0xXX> tokens become their bytes when those form valid UTF-8,
      // else one U+FFFD per byte (decoders/byte_fallback.rs).
      std::vector<std::string> out;
      std::string run;
      std::size_t run_len = 0;
      auto flush = [&] {
        if (run_len == 0) return;
        if (raw || utf8::is_valid(run)) out.push_back(run);
        else for (std::size_t i = 0; i < run_len; ++i) out.emplace_back(utf8::kReplacement);
        run.clear();
        run_len = 0;
      };
      for (auto& t : tokens) {
        const int b = byte_token(t);
        if (b >= 0) { run.push_back(static_cast<char>(b)); ++run_len; continue; }
        flush();
        out.push_back(std::move(t));
      }
      flush();
      tokens = std::move(out);
      break;
    }
    case Kind::kFuse: {
      std::string all;
      for (const auto& t : tokens) all += t;
      tokens.assign(1, std::move(all));
      break;
    }
    case Kind::kStrip:
      if (raw) break;
      for (auto& t : tokens) {
        int n = 0;
        while (n < step.start && t.compare(0, step.a.size(), step.a) == 0 && !t.empty()) { t.erase(0, step.a.size()); ++n; }
        n = 0;
        while (n < step.stop && t.size() >= step.a.size() && !t.empty() &&
               t.compare(t.size() - step.a.size(), step.a.size(), step.a) == 0) {
          t.erase(t.size() - step.a.size());
          ++n;
        }
      }
      break;
  }
}

std::string Decoder::decode(std::vector<std::string> tokens) const {
  if (null_) {
    std::string out;
    for (std::size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return utf8::repair(out);
  }
  for (const Step& s : steps_) apply(s, tokens, false);
  std::string out;
  for (const auto& t : tokens) out += t;
  return utf8::repair(out);
}

std::string Decoder::decode_bytes(std::vector<std::string> tokens) const {
  if (null_) {
    std::string out;
    for (const auto& t : tokens) out += t;
    return out;
  }
  for (const Step& s : steps_) apply(s, tokens, true);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

}  // namespace lorag::model::text
