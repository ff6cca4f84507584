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
std::string tokenizer_fingerprint(const text::Tokenizer& tokenizer);

// SHA-256 over the tokenizer files present in a model folder (tokenizer.json,
// tokenizer.model, tokenizer_config.json, special_tokens_map.json,
// chat_template.jinja), for callers that load from a folder. Throws IoError
// when none of them exists.
std::string tokenizer_files_fingerprint(const std::filesystem::path& model_dir);

}  // namespace lorag::data
