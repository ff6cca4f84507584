// SPDX-License-Identifier: Apache-2.0
// UTF-8 helpers for the tokenizers (model/text): code point iteration, encoding,
// lossy repair as Rust's `String::from_utf8_lossy` does it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lorag::model::text::utf8 {

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Appends the UTF-8 form of `cp` (must be a valid scalar value) to `out`.
void append(std::string& out, char32_t cp);

// Decodes the code point starting at `pos` and advances `pos` past it. Returns
// -1 (and advances by one byte) on an invalid or truncated sequence.
long next(std::string_view s, std::size_t& pos);

// Byte length of the valid sequence starting at `pos`, or 0 when invalid/truncated.
std::size_t valid_length(std::string_view s, std::size_t pos);

// True when every byte of `s` belongs to a well-formed UTF-8 sequence.
bool is_valid(std::string_view s);

// `s` with every maximal invalid subpart replaced by U+FFFD (the WHATWG / Rust
// `from_utf8_lossy` rule that `tokenizers` applies in its ByteLevel decoder).
std::string repair(std::string_view s);

// Length of a trailing prefix of a multi-byte sequence that more bytes could
// still complete (0 when `s` ends on a character boundary or in garbage).
std::size_t incomplete_tail(std::string_view s);

// Unicode White_Space (as Rust's `char::is_whitespace`).
bool is_whitespace(char32_t cp);

}  // namespace lorag::model::text::utf8
