// SPDX-License-Identifier: Apache-2.0
#include "data/dataset.h"

#include "data/conversation_encoder.h"
#include "data/fingerprint.h"
#include "data/sequence_ops.h"
#include "data/sha256.h"
#include "data/token_cache.h"
#include "model/core/config_field_error.h"
#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::data {
namespace {

struct Loaded {
  TokenizedRecords records;
  bool from_cache = false;
};

TokenizedRecords tokenize_records(const std::filesystem::path& path, const ConversationEncoder& encoder,
                                  const DataConfig& config) {
  RecordFile file = read_records(path, config.format, config.skip_bad_lines);
  TokenizedRecords out;
  out.format = file.format;
  out.skipped_lines = file.skipped_lines;
  for (const Record& record : file.records) {
    LabelledTokens tokens;
    try {
      tokens = encoder.encode(record.messages);
    } catch (const UsageError& e) {
      // The template rejects this conversation (e.g. roles that do not alternate):
      // a bad record, reported with its line like any other.
      if (!config.skip_bad_lines) {
        throw FormatError(detail::concat(path.string(), ":", record.line, ": ", e.what()));
      }
      ++out.skipped_lines;
      continue;
    }
    out.split_tokenized += tokens.split_tokenized ? 1 : 0;
    out.examples.push_back(std::move(tokens));
    out.lines.push_back(record.line);
  }
  LORAG_CHECK(!out.examples.empty(), FormatError, path.string(), ": no training records (", out.skipped_lines,
              " bad lines skipped)");
  return out;
}

// Everything the tokenized records depend on.
std::string cache_key(const std::filesystem::path& path, const std::string& tokenizer_fp,
                      const ConversationEncoder& encoder, const DataConfig& config) {
  Sha256 key;
  key.field("lorag-token-cache").field(std::to_string(kTokenCacheVersion));
  key.field(file_sha256(path)).field(tokenizer_fp);
  key.field(encoder.chat_template().name()).field(encoder.chat_template().default_system());
  key.field(format_name(config.format)).field(config.train_on_prompt ? "prompt" : "response");
  key.field(config.skip_bad_lines ? "skip" : "strict");
  return key.hex_digest();
}

Loaded load_or_tokenize(const std::filesystem::path& path, const ConversationEncoder& encoder,
                        const std::string& tokenizer_fp, const DataConfig& config) {
  if (config.cache_dir.empty()) return {tokenize_records(path, encoder, config), false};
  const std::string key = cache_key(path, tokenizer_fp, encoder, config);
  const auto cache_path = token_cache_path(config.cache_dir, path);
  if (auto hit = load_token_cache(cache_path, key)) {
    log::info(path.string(), ": ", hit->examples.size(), " tokenized records from cache ", cache_path.string());
    return {std::move(*hit), true};
  }
  Loaded loaded{tokenize_records(path, encoder, config), false};
  save_token_cache(cache_path, key, loaded.records);
  return loaded;
}

void add_file_stats(const TokenizedRecords& records, DatasetStats& stats) {
  stats.records += records.examples.size();
  stats.skipped_lines += records.skipped_lines;
  stats.split_tokenized += records.split_tokenized;
}

std::vector<LabelledTokens> pick(std::vector<LabelledTokens>& all, const std::vector<std::size_t>& indices) {
  std::vector<LabelledTokens> out;
  out.reserve(indices.size());
  for (std::size_t i : indices) out.push_back(std::move(all[i]));
  return out;
}

// Train and eval examples: the eval file's, or a seeded share of the train file's.
void split_examples(Loaded& train, std::optional<Loaded>& eval_file, const DataConfig& config,
                    std::vector<LabelledTokens>& train_out, std::vector<LabelledTokens>& eval_out) {
  if (eval_file) {
    train_out = std::move(train.records.examples);
    eval_out = std::move(eval_file->records.examples);
    return;
  }
  const auto split = split_indices(train.records.examples.size(), config.eval_fraction, config.seed);
  train_out = pick(train.records.examples, split.train);
  eval_out = pick(train.records.examples, split.eval);
}

std::vector<Example> shuffled(std::vector<Example> examples, uint64_t seed) {
  std::vector<Example> out;
  out.reserve(examples.size());
  for (std::size_t i : shuffled_indices(examples.size(), seed)) out.push_back(std::move(examples[i]));
  return out;
}

}  // namespace

void DataConfig::validate() const {
  LORAG_CHECK_FIELD(max_seq_len >= 1, "max_seq_len", "is ", max_seq_len, ", expected at least 1, e.g. 2048");
  LORAG_CHECK_FIELD(eval_fraction >= 0.0 && eval_fraction < 1.0, "eval_fraction", "is ", eval_fraction,
                    ", expected a value in [0, 1), e.g. 0.05");
  LORAG_CHECK_FIELD(eval_path.empty() || eval_fraction == 0.0, "eval_fraction", "is ", eval_fraction,
                    " and eval_path is '", eval_path.string(), "', expected only one of them");
}

TokenizedDataset build_dataset(const std::filesystem::path& path, const model::text::Tokenizer& tokenizer,
                               const std::optional<model::text::ChatTemplate>& chat_template, const DataConfig& config) {
  config.validate();
  const ConversationEncoder encoder(tokenizer, chat_template, config.train_on_prompt);
  std::string tokenizer_fp = config.tokenizer_fingerprint;
  if (!config.cache_dir.empty() && tokenizer_fp.empty()) tokenizer_fp = tokenizer_fingerprint(tokenizer);

  TokenizedDataset out;
  Loaded train = load_or_tokenize(path, encoder, tokenizer_fp, config);
  out.stats.format = train.records.format;
  out.stats.from_cache = train.from_cache;
  add_file_stats(train.records, out.stats);
  std::optional<Loaded> eval_file;
  if (!config.eval_path.empty()) {
    eval_file = load_or_tokenize(config.eval_path, encoder, tokenizer_fp, config);
    out.stats.from_cache = out.stats.from_cache && eval_file->from_cache;
    add_file_stats(eval_file->records, out.stats);
  }
  std::vector<LabelledTokens> train_examples, eval_examples;
  split_examples(train, eval_file, config, train_examples, eval_examples);

  TruncationCounts counts;
  out.train = truncate_examples(train_examples, config.max_seq_len, counts);
  out.eval = truncate_examples(eval_examples, config.max_seq_len, counts);
  out.stats.truncated = counts.truncated;
  out.stats.dropped = counts.dropped;
  LORAG_CHECK(!out.train.empty(), FormatError, path.string(), ": no training examples left: all ", counts.dropped,
              " have no response token within max_seq_len=", config.max_seq_len, " (hint: raise max_seq_len)");
  if (counts.dropped > 0) {
    log::warn(path.string(), ": dropped ", counts.dropped, " examples with no response token within max_seq_len=",
              config.max_seq_len);
  }
  // seed + 1: a stream independent of the split's permutation.
  if (config.shuffle) out.train = shuffled(std::move(out.train), config.seed + 1);
  out.stats.train_examples = out.train.size();
  out.stats.eval_examples = out.eval.size();
  if (config.packing) {
    out.train = pack_examples(out.train, config.max_seq_len);
    out.eval = pack_examples(out.eval, config.max_seq_len);
  }
  for (const Example& ex : out.train) {
    out.stats.train_tokens += ex.size();
    for (int64_t label : ex.labels) out.stats.label_tokens += label != kIgnoreIndex ? 1 : 0;
  }
  return out;
}

}  // namespace lorag::data
