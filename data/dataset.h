// SPDX-License-Identifier: Apache-2.0
// The training data library's entry point (data/): a JSONL file in, tokenized
// train/eval sequences with loss labels out. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/batching.h"
#include "data/example.h"
#include "data/record_reader.h"
#include "model/text/chat_template.h"
#include "model/text/tokenizer.h"

namespace lorag::data {

// How a data file becomes training sequences. Plain aggregate; pass by const&.
struct DataConfig {
  DatasetFormat format = DatasetFormat::kAuto;  // JSONL layout; kAuto reads it off the first record
  int64_t max_seq_len = 2048;                   // tokens per sequence, e.g. 2048; longer examples are cut
  bool train_on_prompt = false;                 // count prompt tokens in the loss too (default: responses only)
  bool packing = false;                         // pack short examples into max_seq_len sequences
  bool shuffle = true;                          // shuffle the training examples (deterministic in `seed`)
  uint64_t seed = 42;                           // for the eval split and the shuffle, e.g. 42
  double eval_fraction = 0.0;                   // share held out for eval, in [0, 1), e.g. 0.05
  std::filesystem::path eval_path;              // a separate eval JSONL file; when set, eval_fraction is unused
  bool skip_bad_lines = false;                  // skip and count bad lines instead of failing
  std::filesystem::path cache_dir;              // token cache folder, e.g. "runs/x/cache"; empty: no cache
  std::string tokenizer_fingerprint;            // cache key part; empty: `tokenizer_fingerprint(tokenizer)`

  // Throws ConfigError naming the field and value.
  void validate() const;
};

struct DatasetStats {
  DatasetFormat format = DatasetFormat::kAuto;  // the format read (never kAuto)
  std::size_t records = 0;          // good records read from the train file (and eval file)
  std::size_t skipped_lines = 0;    // bad lines skipped (skip_bad_lines)
  std::size_t truncated = 0;        // examples cut to max_seq_len
  std::size_t dropped = 0;          // examples dropped with no counted label left
  std::size_t split_tokenized = 0;  // examples tokenized segment by segment (see ConversationEncoder)
  std::size_t train_examples = 0;   // examples in `train` before packing
  std::size_t eval_examples = 0;    // examples in `eval` before packing
  std::size_t train_tokens = 0;     // tokens over all train sequences
  std::size_t label_tokens = 0;     // counted labels over all train sequences
  bool from_cache = false;          // every file's tokens came from the cache (no tokenization ran)
};

struct TokenizedDataset {
  std::vector<Example> train;  // shuffled (when configured), packed (when configured)
  std::vector<Example> eval;   // file order; packed when configured; empty without an eval split
  DatasetStats stats;
};

// Reads `path` (and `config.eval_path`), renders each record through
// `chat_template` (nullopt: raw concatenation), tokenizes with labels on the
// assistant responses (ConversationEncoder), holds out the eval split, truncates,
// shuffles and packs. With `cache_dir` set, tokenized records are cached per
// file in HDF5 keyed by the file bytes, the tokenizer, the template, the
// rendering options and kTokenCacheVersion; a matching cache skips reading and
// tokenization. Deterministic for a given input and config.
// Throws ConfigError for a bad config, IoError for unreadable files or a cache
// that cannot be written, FormatError for bad records (see `read_records`) and
// when no example is left (a conversation the template rejects, e.g. roles that
// do not alternate for llama2, is a FormatError naming its line). Not to be called
// from several threads at once while `cache_dir` is set: the system HDF5 is built
// without thread safety.
TokenizedDataset build_dataset(const std::filesystem::path& path, const model::text::Tokenizer& tokenizer,
                               const std::optional<model::text::ChatTemplate>& chat_template, const DataConfig& config);

}  // namespace lorag::data
