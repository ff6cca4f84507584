// SPDX-License-Identifier: Apache-2.0
// The tokenized-dataset cache (data/): one HDF5 file per data file, holding the
// rendered and tokenized records under a key of everything they depend on.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/conversation_encoder.h"
#include "data/record_reader.h"

namespace lorag::data {

// Bumped whenever rendering, tokenization or the file layout changes, so old
// caches become stale.
inline constexpr int kTokenCacheVersion = 1;

// A data file after rendering and tokenization, before truncation, splitting,
// shuffling and packing (those are cheap and depend on other settings).
struct TokenizedRecords {
  std::vector<LabelledTokens> examples;  // one per record, in file order
  std::vector<std::size_t> lines;        // the 1-based source line of each, e.g. 17
  DatasetFormat format = DatasetFormat::kAuto;
  std::size_t skipped_lines = 0;         // bad lines skipped (skip_bad_lines)
  std::size_t split_tokenized = 0;       // examples that used the boundary fallback
};

// `cache_dir / "<stem>-<12 hex of the absolute data path>.tokens.h5"`: one cache
// file per data file, overwritten when its key changes.
std::filesystem::path token_cache_path(const std::filesystem::path& cache_dir,
                                       const std::filesystem::path& data_path);

// Writes `records` and `key` to `path` atomically (the HDF5 file is built in
// memory, then written to a temp file and renamed), creating the parent folder.
// Layout: int64 datasets `input_ids` and `labels` (all examples concatenated),
// `offsets` [n+1] and `lines` [n]; root attributes `key`, `version`, `format`,
// `skipped_lines`, `split_tokenized`. Throws IoError naming the path.
void save_token_cache(const std::filesystem::path& path, const std::string& key,
                      const TokenizedRecords& records);

// The cached records when `path` exists and holds exactly `key` at
// kTokenCacheVersion; nullopt when it is missing or stale. An unreadable or
// corrupt file is a miss too (logged as a warning), since it is rebuilt anyway.
std::optional<TokenizedRecords> load_token_cache(const std::filesystem::path& path, const std::string& key);

}  // namespace lorag::data
