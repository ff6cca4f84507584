// SPDX-License-Identifier: Apache-2.0
// A prompt file through one engine (infer/prompt_batch.h): rows come back in
// input order with their adapter, each as the engine answers it alone.
#include "infer/prompt_batch.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::infer {
namespace {

PromptRecord record(const std::string& prompt, const std::string& adapter, size_t line) {
  return {.id = static_cast<int64_t>(line), .messages = {{"user", prompt}}, .adapter = adapter, .line = line};
}

ModelSession session_with_adapters() {
  const auto root = test::fixture("cli_adapters");
  auto s = open_model_session(root / "chat_bpe", {.device = "cpu", .dtype = "fp32"}, "auto");
  s.adapters = std::make_unique<adapters::InferenceAdapters>(
      s.model.net, adapters::InferenceAdapterConfig{.specs = {"a=" + (root / "a").string(), "b=" + (root / "b").string()}});
  return s;
}

TEST(PromptBatch, RowsComeBackInInputOrderEachAsTheEngineAnswersItAlone) {
  auto s = session_with_adapters();
  // Adapters interleaved, so the groups run in another order than the rows.
  const std::vector<PromptRecord> records = {record("What is 2+2?", "b", 1), record("Name a colour.", "a", 2),
                                             record("Say hello.", "base", 3), record("Count to three.", "b", 4)};
  const GenerateConfig config{.max_new_tokens = 8};
  std::vector<size_t> order;
  std::vector<std::string> adapter_names;
  std::vector<std::vector<int64_t>> ids;
  const auto stats = generate_prompt_batch(s, records, "batch.jsonl", config, {.parallel = 2},
                                           [&](size_t i, const std::string& adapter, const EngineResult& r) {
                                             order.push_back(i);
                                             adapter_names.push_back(adapter);
                                             ids.push_back(r.token_ids);
                                           });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(adapter_names, (std::vector<std::string>{"b", "a", "base", "b"}));
  int64_t generated = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    auto alone_config = config;
    alone_config.stop_token_ids = s.formatter->end_of_turn_ids();
    auto prompt = s.formatter->encode_chat(records[i].messages);
    auto engine = make_engine(s, {.parallel = 1}, static_cast<int64_t>(prompt.size()), config.max_new_tokens);
    auto future =
        engine->submit({.prompt = std::move(prompt), .config = alone_config, .adapter = records[i].adapter}).result;
    engine->run_until_idle();
    EXPECT_EQ(ids[i], future.get().token_ids) << "row " << i;
    generated += static_cast<int64_t>(ids[i].size());
  }
  EXPECT_EQ(stats.generated_tokens, generated);
  EXPECT_GT(stats.prompt_tokens, 0);
}

TEST(PromptBatch, UnknownAdapterNamesTheFileAndLine) {
  auto s = session_with_adapters();
  try {
    generate_prompt_batch(s, {record("Hi.", "a", 1), record("Hi.", "nope", 7)}, "batch.jsonl", {.max_new_tokens = 2},
                          {.parallel = 1}, [](size_t, const std::string&, const EngineResult&) {});
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("batch.jsonl:7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lorag::infer
