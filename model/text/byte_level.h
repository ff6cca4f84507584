// SPDX-License-Identifier: Apache-2.0
// GPT-2's byte <-> printable-unicode mapping (model/text), used by ByteLevel
// pre-tokenizers and decoders of tokenizer.json BPE models.
#pragma once

#include <string>
#include <string_view>

namespace lorag::model::text::byte_level {

// Each byte of `bytes` as its mapped character (e.g. ' ' -> "Ġ"), UTF-8 encoded.
std::string encode(std::string_view bytes);

// Appends the bytes a byte-level token stands for. When some character of
// `token` is outside the mapping (an added token such as "<｜end｜>"), the
// token's own UTF-8 is appended instead, as `tokenizers` does.
void decode_token(std::string_view token, std::string& out);

}  // namespace lorag::model::text::byte_level
