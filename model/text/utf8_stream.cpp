// SPDX-License-Identifier: Apache-2.0
// Incremental detokenization for streaming generation (model/text).
#include "model/text/utf8_stream.h"

#include <cctype>

#include "model/text/utf8.h"

namespace lorag::model::text {

Utf8StreamDecoder::Utf8StreamDecoder(const Tokenizer& tokenizer, bool skip_special)
    : tokenizer_(tokenizer), skip_special_(skip_special) {}

std::string Utf8StreamDecoder::decode_range(std::size_t begin, std::size_t end) const {
  if (begin >= end) return "";
  return tokenizer_.decode(std::vector<int64_t>(ids_.begin() + begin, ids_.begin() + end), skip_special_);
}

namespace {

// "<0x41>": a sentencepiece / byte-fallback byte token.
bool is_byte_token(const std::string& t) {
  return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
         std::isxdigit(static_cast<unsigned char>(t[4]));
}

}  // namespace

std::string Utf8StreamDecoder::push(int64_t id) {
  ids_.push_back(id);
  // A run of byte tokens is decoded as a whole: if it ends up invalid UTF-8,
  // `tokenizers`' ByteFallback turns every byte of it into U+FFFD, even bytes
  // that formed a valid character. So nothing of a run is final before it ends.
  if (is_byte_token(tokenizer_.id_to_token(id))) return "";
  // Hold back while the raw bytes end inside a multi-byte character: decode
  // would show U+FFFD that the next token may still complete.
  const std::string raw = tokenizer_.decode_bytes(std::vector<int64_t>(ids_.begin() + read_, ids_.end()),
                                                  skip_special_);
  if (utf8::incomplete_tail(raw) > 0) return "";
  const std::string before = decode_range(prefix_, read_);
  std::string now = decode_range(prefix_, ids_.size());
  if (now.size() <= before.size()) return "";
  std::string out = now.substr(before.size());
  // The next window starts at the first new id, unless that id decodes to
  // nothing (a skipped special token): a window must start with visible text,
  // or the leading-space strip would hit the following token instead.
  const std::string first = tokenizer_.decode_bytes({ids_[read_]}, skip_special_);
  if (!first.empty()) prefix_ = read_;
  read_ = ids_.size();
  return out;
}

std::string Utf8StreamDecoder::flush() {
  const std::string before = decode_range(prefix_, read_);
  const std::string now = decode_range(prefix_, ids_.size());
  read_ = ids_.size();
  return now.size() > before.size() ? now.substr(before.size()) : "";
}

void Utf8StreamDecoder::reset() {
  ids_.clear();
  prefix_ = read_ = 0;
}

}  // namespace lorag::model::text
