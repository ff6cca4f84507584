// SPDX-License-Identifier: Apache-2.0
// The tokenizer.json BPE `model` (model/text): vocabulary, ranked merges, byte
// fallback and a per-word cache.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/text/json_field.h"

namespace lorag::model::text {

// Hugging Face `tokenizers`' BPE (models/bpe/model.rs) without dropout.
// Thread-safe: the word cache is guarded by a mutex.
class BpeModel {
 public:
  // Reads `vocab`, `merges` ("a b" strings or ["a", "b"] pairs), `unk_token`,
  // `byte_fallback`, `fuse_unk`, `ignore_merges`, `continuing_subword_prefix`,
  // `end_of_word_suffix`. Throws FormatError naming the field on bad input,
  // e.g. a merge whose parts are not in the vocab.
  BpeModel(const nlohmann::json& spec, const JsonPlace& place);

  // Appends the ids of one pre-token (already byte-mapped when byte-level).
  void tokenize(std::string_view word, std::vector<int64_t>& out) const;

  std::optional<int64_t> token_to_id(std::string_view token) const;
  // The token string of `id`, or "" when the vocab has no such id.
  const std::string& id_to_token(int64_t id) const;
  // One past the largest id in the vocab.
  int64_t size() const { return static_cast<int64_t>(id_to_token_.size()); }

 private:
  struct Merge { int32_t rank; int32_t id; };
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  void initial_symbols(std::string_view word, std::vector<int32_t>& symbols) const;
  void merge_word(std::vector<int32_t>& symbols) const;
  void tokenize_uncached(std::string_view word, std::vector<int64_t>& out) const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<uint64_t, Merge> merges_;
  int32_t unk_id_ = -1;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  std::string prefix_, suffix_;  // continuing_subword_prefix, end_of_word_suffix

  static constexpr std::size_t kCacheCapacity = 100000;  // words
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache_;
};

}  // namespace lorag::model::text
