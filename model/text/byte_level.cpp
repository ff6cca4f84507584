// SPDX-License-Identifier: Apache-2.0
// GPT-2's byte <-> unicode mapping (model/text).
#include "model/text/byte_level.h"

#include <array>

#include "model/text/utf8.h"

namespace lorag::model::text::byte_level {
namespace {

// GPT-2 `bytes_to_unicode`: printable Latin-1 bytes map to themselves, the
// other 68 to U+0100.. in byte order.
struct Tables {
  std::array<char32_t, 256> to_char{};
  std::array<int, 512> to_byte{};  // mapped chars are all < U+0144
  Tables() {
    to_byte.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      to_char[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      to_byte[to_char[b]] = b;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

std::string encode(std::string_view bytes) {
  const Tables& t = tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) utf8::append(out, t.to_char[b]);
  return out;
}

void decode_token(std::string_view token, std::string& out) {
  const Tables& t = tables();
  const std::size_t mark = out.size();
  for (std::size_t pos = 0; pos < token.size();) {
    const long cp = utf8::next(token, pos);
    if (cp < 0 || cp >= 512 || t.to_byte[cp] < 0) {
      out.resize(mark);
      out.append(token);
      return;
    }
    out.push_back(static_cast<char>(t.to_byte[cp]));
  }
}

}  // namespace lorag::model::text::byte_level
