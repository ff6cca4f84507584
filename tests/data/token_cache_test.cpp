// SPDX-License-Identifier: Apache-2.0
// The HDF5 token cache: round trip, staleness, corrupt files; SHA-256 vectors.
#include "data/token_cache.h"

#include <gtest/gtest.h>

#include "data/sha256.h"
#include "model/core/atomic_file.h"
#include "tests/data/data_test_util.h"

namespace lorag::data {
namespace {

TokenizedRecords sample() {
  TokenizedRecords r;
  r.examples = {{{1, 2, 3}, {kIgnoreIndex, 2, 3}, false}, {{9}, {9}, true}, {{4, 5}, {kIgnoreIndex, 5}, false}};
  r.lines = {1, 3, 4};
  r.format = DatasetFormat::kChat;
  r.skipped_lines = 1;
  r.split_tokenized = 1;
  return r;
}

TEST(TokenCache, RoundTripsEveryField) {
  const auto path = test::temp_dir("cache") / "sub" / "x.tokens.h5";
  save_token_cache(path, "key-1", sample());
  const auto loaded = load_token_cache(path, "key-1");
  ASSERT_TRUE(loaded.has_value());
  const TokenizedRecords want = sample();
  ASSERT_EQ(loaded->examples.size(), want.examples.size());
  for (std::size_t i = 0; i < want.examples.size(); ++i) {
    EXPECT_EQ(loaded->examples[i].input_ids, want.examples[i].input_ids);
    EXPECT_EQ(loaded->examples[i].labels, want.examples[i].labels);
  }
  EXPECT_EQ(loaded->lines, want.lines);
  EXPECT_EQ(loaded->format, DatasetFormat::kChat);
  EXPECT_EQ(loaded->skipped_lines, 1u);
  EXPECT_EQ(loaded->split_tokenized, 1u);
  // Only the target remains: the temp file was renamed.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path.parent_path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(TokenCache, StaleKeyMissingOrCorruptFileIsAMiss) {
  const auto dir = test::temp_dir("cache");
  EXPECT_FALSE(load_token_cache(dir / "none.h5", "k").has_value());
  save_token_cache(dir / "a.h5", "old", sample());
  EXPECT_FALSE(load_token_cache(dir / "a.h5", "new").has_value());
  write_file_atomically(dir / "b.h5", "not an hdf5 file");
  EXPECT_FALSE(load_token_cache(dir / "b.h5", "k").has_value());
}

TEST(TokenCache, PathDependsOnTheDataFile) {
  const auto a = token_cache_path("cache", "data/a/train.jsonl");
  const auto b = token_cache_path("cache", "data/b/train.jsonl");
  EXPECT_NE(a, b);
  EXPECT_EQ(a, token_cache_path("cache", "data/a/train.jsonl"));
  EXPECT_EQ(a.parent_path(), std::filesystem::path("cache"));
  EXPECT_EQ(a.filename().string().rfind("train-", 0), 0u) << a;
}

TEST(Sha256, MatchesFipsVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 chunked;
  const std::string million(1000000, 'a');
  for (std::size_t i = 0; i < million.size(); i += 999) chunked.update(std::string_view(million).substr(i, 999));
  EXPECT_EQ(chunked.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace lorag::data
