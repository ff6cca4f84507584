// SPDX-License-Identifier: Apache-2.0
// build_dataset end to end: rendering, split, shuffle, packing, the cache skip.
#include "data/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "data/conversation_encoder.h"
#include "data/record_reader.h"
#include "model/core/config_field_error.h"
#include "model/core/error.h"
#include "tests/data/data_test_util.h"

namespace lorag::data {
namespace {

std::vector<std::string> alpaca_lines(int n) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) {
    lines.push_back(R"({"instruction": "Add the numbers", "input": ")" + std::to_string(i) + " and " +
                    std::to_string(2 * i) + R"(", "output": "The sum is )" + std::to_string(3 * i) + R"(."})");
  }
  return lines;
}

class BuildDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("dataset");
    tokenizer_ = test::data_tokenizer("tiny_bpe");
    template_ = test::data_template("tiny_bpe");
    train_ = test::write_lines(dir_, "train.jsonl", alpaca_lines(20));
  }
  TokenizedDataset build(const DataConfig& config) const {
    return build_dataset(train_, *tokenizer_, template_, config);
  }
  std::filesystem::path dir_, train_;
  std::unique_ptr<model::text::Tokenizer> tokenizer_;
  std::optional<model::text::ChatTemplate> template_;
};

TEST_F(BuildDataset, RendersAlpacaThroughTheTemplate) {
  DataConfig config;
  config.shuffle = false;
  const auto ds = build(config);
  ASSERT_EQ(ds.train.size(), 20u);
  EXPECT_EQ(ds.stats.format, DatasetFormat::kAlpaca);
  EXPECT_EQ(ds.stats.records, 20u);
  const std::string text = tokenizer_->decode(ds.train[1].input_ids, false);
  EXPECT_NE(text.find("<|im_start|>user\nAdd the numbers\n\n1 and 2<|im_end|>\n<|im_start|>assistant\nThe sum is 3."),
            std::string::npos)
      << text;
  std::vector<int64_t> response;
  for (int64_t label : ds.train[1].labels) {
    if (label != kIgnoreIndex) response.push_back(label);
  }
  EXPECT_EQ(tokenizer_->decode(response, false), "The sum is 3.<|im_end|>");
  EXPECT_FALSE(ds.stats.from_cache);
  EXPECT_TRUE(ds.eval.empty());
}

TEST_F(BuildDataset, ShuffleAndSplitAreDeterministicInTheSeed) {
  DataConfig config;
  config.eval_fraction = 0.2;
  const auto a = build(config), b = build(config);
  ASSERT_EQ(a.eval.size(), 4u);
  ASSERT_EQ(a.train.size(), 16u);
  for (std::size_t i = 0; i < a.train.size(); ++i) EXPECT_EQ(a.train[i].input_ids, b.train[i].input_ids);
  for (std::size_t i = 0; i < a.eval.size(); ++i) EXPECT_EQ(a.eval[i].input_ids, b.eval[i].input_ids);
  config.seed = 7;
  const auto c = build(config);
  bool same_order = true;
  for (std::size_t i = 0; i < a.train.size(); ++i) same_order = same_order && a.train[i].input_ids == c.train[i].input_ids;
  EXPECT_FALSE(same_order);
  // Train and eval partition the records.
  std::vector<std::vector<int64_t>> all;
  for (const auto* part : {&c.train, &c.eval}) {
    for (const auto& ex : *part) all.push_back(ex.input_ids);
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), 20u);
}

TEST_F(BuildDataset, SeparateEvalFile) {
  DataConfig config;
  config.eval_path = test::write_lines(dir_, "eval.jsonl", {R"({"prompt": "Hi", "completion": "Hello"})"});
  const auto ds = build(config);
  EXPECT_EQ(ds.train.size(), 20u);
  ASSERT_EQ(ds.eval.size(), 1u);
  EXPECT_EQ(ds.stats.records, 21u);
  config.eval_fraction = 0.1;
  EXPECT_THROW(build(config), ConfigError);
}

TEST_F(BuildDataset, TruncationAndPacking) {
  DataConfig config;
  std::size_t longest = 0;
  for (const auto& ex : build(config).train) longest = std::max(longest, ex.size());
  config.max_seq_len = static_cast<int64_t>(longest) - 1;
  const auto plain = build(config);
  EXPECT_GT(plain.stats.truncated, 0u);
  EXPECT_EQ(plain.stats.dropped, 0u);
  EXPECT_EQ(plain.train.size(), 20u);
  for (const auto& ex : plain.train) EXPECT_LE(ex.size(), longest - 1);
  config.max_seq_len = 40;  // inside the default system prompt: no response token survives
  EXPECT_THROW(build(config), FormatError);
  config.max_seq_len = 256;
  config.packing = true;
  const auto packed = build(config);
  EXPECT_LT(packed.train.size(), packed.stats.train_examples);
  std::size_t segments = 0, tokens = 0;
  for (const auto& seq : packed.train) {
    EXPECT_LE(seq.size(), 256u);
    segments += static_cast<std::size_t>(seq.sequence_ids.back() + 1);
    tokens += seq.size();
    for (std::size_t t = 0; t < seq.size(); ++t) {
      if (t == 0 || seq.sequence_ids[t] != seq.sequence_ids[t - 1]) EXPECT_EQ(seq.position_ids[t], 0);
      else EXPECT_EQ(seq.position_ids[t], seq.position_ids[t - 1] + 1);
    }
  }
  EXPECT_EQ(segments, 20u);
  EXPECT_EQ(tokens, packed.stats.train_tokens);
}

TEST_F(BuildDataset, CacheSkipsTokenizationUntilAKeyPartChanges) {
  DataConfig config;
  config.cache_dir = dir_ / "cache";
  const auto first = build(config);
  EXPECT_FALSE(first.stats.from_cache);
  const auto second = build(config);
  EXPECT_TRUE(second.stats.from_cache);
  ASSERT_EQ(first.train.size(), second.train.size());
  for (std::size_t i = 0; i < first.train.size(); ++i) {
    EXPECT_EQ(first.train[i].input_ids, second.train[i].input_ids);
    EXPECT_EQ(first.train[i].labels, second.train[i].labels);
  }
  // Cut-time settings are not part of the key.
  config.max_seq_len = 100;
  config.packing = true;
  EXPECT_TRUE(build(config).stats.from_cache);
  config.train_on_prompt = true;
  EXPECT_FALSE(build(config).stats.from_cache);
  EXPECT_TRUE(build(config).stats.from_cache);
  EXPECT_FALSE(build_dataset(train_, *tokenizer_, std::nullopt, config).stats.from_cache);
  config.tokenizer_fingerprint = "another tokenizer";
  EXPECT_FALSE(build(config).stats.from_cache);
  auto lines = alpaca_lines(20);
  lines.back() = R"({"instruction": "Changed", "output": "Data"})";
  test::write_lines(dir_, "train.jsonl", lines);
  const auto changed = build(config);
  EXPECT_FALSE(changed.stats.from_cache);
  EXPECT_TRUE(build(config).stats.from_cache);
}

TEST_F(BuildDataset, SkippedAndRejectedLinesAreCountedOrNamed) {
  const auto sp = test::data_tokenizer("tiny_sp");
  const auto llama2 = test::data_template("tiny_sp");
  const auto path = test::write_lines(
      dir_, "chat.jsonl",
      {R"({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]})",
       R"({"messages": [{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "x"}]})"});
  DataConfig config;
  try {
    build_dataset(path, *sp, llama2, config);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("chat.jsonl:2: chat template llama2: conversation roles must alternate"),
              std::string::npos)
        << e.what();
  }
  config.skip_bad_lines = true;
  const auto ds = build_dataset(path, *sp, llama2, config);
  EXPECT_EQ(ds.train.size(), 1u);
  EXPECT_EQ(ds.stats.skipped_lines, 1u);
}

TEST(DataConfig, ValidateNamesTheField) {
  DataConfig config;
  config.max_seq_len = 0;
  EXPECT_THROW(config.validate(), ConfigError);
  config = DataConfig{};
  config.eval_fraction = 1.5;
  try {
    config.validate();
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("eval_fraction is 1.5"), std::string::npos) << e.what();
  }
}

// The field travels as data, so the CLI can name its flag without parsing the message.
TEST(DataConfig, ErrorsCarryTheirField) {
  DataConfig config;
  config.max_seq_len = 0;
  try {
    config.validate();
    FAIL() << "no error";
  } catch (const ConfigFieldError& e) {
    EXPECT_EQ(e.field(), "max_seq_len");
    EXPECT_EQ(e.detail().rfind("is 0, expected at least 1", 0), 0u) << e.detail();
    EXPECT_EQ(std::string(e.what()).rfind("max_seq_len is 0", 0), 0u) << e.what();
  }
  try {
    parse_format("sharegpt");
    FAIL() << "no error";
  } catch (const ConfigFieldError& e) {
    EXPECT_EQ(e.field(), "format");
    EXPECT_EQ(e.detail().rfind("'sharegpt' is unknown", 0), 0u) << e.detail();
  }
}

}  // namespace
}  // namespace lorag::data
