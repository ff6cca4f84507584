// SPDX-License-Identifier: Apache-2.0
// Fingerprints of the inputs a tokenized dataset depends on (data/): file bytes
// and tokenizers, for the token cache key.
#pragma once

#include <filesystem>
#include <string>

#include "model/text/tokenizer.h"

namespace lorag::data {

// SHA-256 hex of a file's bytes, read in chunks. Throws IoError naming the path.
std::string file_sha256(const std::filesystem::path& path);

// A fingerprint of a loaded tokenizer: its kind, special tokens, every token
// string and special flag, and the ids of a few probe texts (which catch merge
// and normalizer changes the vocabulary alone does not show). Costs one pass over
// the vocabulary (milliseconds for 128k tokens).
std::string tokenizer_fingerprint(const model::text::Tokenizer& tokenizer);

}  // namespace lorag::data
