// SPDX-License-Identifier: Apache-2.0
// Unicode Normalization Form C (model/text), for the tokenizer.json `NFC`
// normalizer (Qwen2 and others).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lorag::model::text {

// `text` (valid UTF-8) in NFC: canonical decomposition, canonical ordering,
// then canonical composition (UAX #15), with the tables of the Unicode version
// in nfc_tables.inc. Text that has no code point at or above U+0300 is returned
// unchanged without decoding. Thread-safe.
std::string to_nfc(std::string_view text);

// Appends the full canonical decomposition of `cp` to `out`, without canonical
// reordering (BERT's accent stripping drops the marks right after).
void canonical_decompose(uint32_t cp, std::vector<uint32_t>& out);

}  // namespace lorag::model::text
