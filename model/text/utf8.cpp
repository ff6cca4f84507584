// SPDX-License-Identifier: Apache-2.0
// UTF-8 helpers for the tokenizers (model/text).
#include "model/text/utf8.h"

namespace lorag::model::text::utf8 {

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

// How many bytes of the sequence at `pos` are a valid prefix (per the Unicode
// "maximal subpart" rule), and the full length the lead byte announces.
struct Prefix {
  std::size_t valid = 0;   // bytes that form a valid (possibly incomplete) prefix
  std::size_t needed = 0;  // total length announced by the lead byte; 0 when invalid lead
};

Prefix scan(std::string_view s, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  std::size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 < 0x80) return {1, 1};
  if (b0 >= 0xC2 && b0 <= 0xDF) need = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {0, 0};
  }
  std::size_t valid = 1;
  for (std::size_t i = 1; i < need && pos + i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    const unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
    if (b < l || b > h) break;
    ++valid;
  }
  return {valid, need};
}

}  // namespace

std::size_t valid_length(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return 0;
  const Prefix p = scan(s, pos);
  return p.needed != 0 && p.valid == p.needed ? p.valid : 0;
}

long next(std::string_view s, std::size_t& pos) {
  const std::size_t n = valid_length(s, pos);
  if (n == 0) {
    ++pos;
    return -1;
  }
  const auto* u = reinterpret_cast<const unsigned char*>(s.data() + pos);
  long cp = 0;
  switch (n) {
    case 1: cp = u[0]; break;
    case 2: cp = ((u[0] & 0x1F) << 6) | (u[1] & 0x3F); break;
    case 3: cp = ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F); break;
    default: cp = ((u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
  }
  pos += n;
  return cp;
}

bool is_valid(std::string_view s) {
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t n = valid_length(s, pos);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

std::string repair(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t pos = 0; pos < s.size();) {
    const Prefix p = scan(s, pos);
    if (p.needed != 0 && p.valid == p.needed) {
      out.append(s.substr(pos, p.valid));
      pos += p.valid;
    } else {
      // One U+FFFD per maximal subpart: a valid-but-truncated prefix counts as one.
      out.append(kReplacement);
      pos += p.valid == 0 ? 1 : p.valid;
    }
  }
  return out;
}

std::size_t incomplete_tail(std::string_view s) {
  // A sequence is at most 4 bytes, so only the last 3 bytes can start an incomplete one.
  for (std::size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    const std::size_t pos = s.size() - back;
    const auto b = static_cast<unsigned char>(s[pos]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const Prefix p = scan(s, pos);
    return p.needed > back && p.valid == back ? back : 0;
  }
  return 0;
}

bool is_whitespace(char32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace lorag::model::text::utf8
