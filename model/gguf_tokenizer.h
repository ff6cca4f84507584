// SPDX-License-Identifier: Apache-2.0
// The tokenizer a GGUF file stores in its `tokenizer.*` metadata (model/), rebuilt
// as the tokenizer.json transformers' GGUF reader would produce and handed to
// the same BpeTokenizer that reads Hugging Face folders.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "model/formats/gguf_file.h"
#include "model/text/tokenizer.h"

namespace lorag::model {

// A tokenizer.json (a BPE `model`, pre-tokenizer, decoder, added tokens and,
// when `tokenizer.ggml.add_bos_token` is set, a bos TemplateProcessing) for:
//   - `tokenizer.ggml.model` "gpt2": byte-level BPE from tokens + merges; the
//     split regexes (and ignore_merges) by `tokenizer.ggml.pre` as llama.cpp's
//     llama-vocab.cpp picks them (model/text/llama_cpp_pre.h); no key means
//     "default", an unknown name is a FormatError naming it and the file.
//   - "llama": sentencepiece as byte-fallback BPE with a Metaspace prefix, as
//     transformers' LlamaTokenizer; merges from the file or rebuilt from scores.
// Control tokens (token_type 3) become special added tokens, user-defined ones (4)
// plain added tokens. Works on vocab-only files (tokenizer metadata, no tensors).
// Throws FormatError naming the file and key for a missing key or another
// tokenizer model.
nlohmann::json gguf_tokenizer_json(const formats::GgufFile& file);

// The special tokens: bos/eos/pad from `tokenizer.ggml.*_token_id` (eot and eom
// ids end generation too), add_bos/add_eos from `tokenizer.ggml.add_*_token`
// (default: true for "llama", false for "gpt2", as llama.cpp).
model::text::SpecialTokens gguf_special_tokens(const formats::GgufFile& file, const model::text::Tokenizer& tokenizer);

// gguf_tokenizer_json as a ready BpeTokenizer with gguf_special_tokens set. Throws as above.
std::unique_ptr<model::text::Tokenizer> load_gguf_tokenizer(const formats::GgufFile& file);

// `tokenizer.chat_template`, empty when absent.
std::string gguf_chat_template(const formats::GgufFile& file);

}  // namespace lorag::model
