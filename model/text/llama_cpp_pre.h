// SPDX-License-Identifier: Apache-2.0
// llama.cpp's BPE pre-tokenizers by `tokenizer.ggml.pre` name (model/text): the
// splitting regexes llama-vocab.cpp applies for each name, as data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lorag::model::text {

// What llama.cpp does before BPE for one `tokenizer.ggml.pre` value.
struct LlamaCppPre {
  // Applied in turn to every piece: each match and each stretch between matches
  // becomes its own piece (llama.cpp's unicode_regex_split; `tokenizers`' Split
  // with behavior Isolated). Then the pieces are byte-level encoded.
  std::vector<std::string> regexes;
  bool ignore_merges = false;  // a piece that is a whole vocabulary token is kept whole (llama3, tekken)
};

// The pre-tokenizer llama.cpp (llama-vocab.cpp, 2025) picks for `name`, e.g.
// "llama-bpe", "qwen2", "deepseek-coder", "gpt-2", "default"; nullopt for a name
// it does not list. Pure and thread-safe.
std::optional<LlamaCppPre> llama_cpp_pre_tokenizer(std::string_view name);

// Every name llama_cpp_pre_tokenizer accepts, sorted (for error messages and tests).
std::vector<std::string> llama_cpp_pre_names();

// The tokenizer.json `pre_tokenizer` running `pre`: a Sequence of one Split
// (Regex, Isolated) per regex, then ByteLevel without its own regex.
nlohmann::json llama_cpp_pre_tokenizer_json(const LlamaCppPre& pre);

}  // namespace lorag::model::text
