// SPDX-License-Identifier: Apache-2.0
// Requests naming different adapters (ranks 4, 8 and 16/2, different targets) and
// the base model in one engine batch, against PEFT's greedy answers for each
// adapter (scripts/fixtures/cli_adapters.py) and against each request run alone;
// adapters loaded and unloaded while the engine runs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

#include "adapters/inference_adapters.h"
#include "infer/engine.h"
#include "infer/prompt_formatter.h"
#include "model/core/error.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::infer {
namespace {

GenerateConfig greedy(int64_t n) { return {.max_new_tokens = n, .ignore_eos = true}; }

std::vector<std::future<EngineResult>> submit_all(Engine& engine, const std::vector<EngineRequest>& requests) {
  std::vector<std::future<EngineResult>> out;
  for (const auto& r : requests) out.push_back(engine.submit(r).result);
  return out;
}

std::vector<EngineResult> run_together(Engine& engine, const std::vector<EngineRequest>& requests) {
  auto futures = submit_all(engine, requests);
  engine.run_until_idle();
  std::vector<EngineResult> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

struct AdapterFixture {
  std::filesystem::path root = test::fixture("cli_adapters");
  model::LoadedModel loaded = test::load_cpu(root / "chat_bpe");
  PromptFormatter formatter{loaded.tokenizer, loaded.chat_template_source, "auto"};
  nlohmann::json reference = test::read_json(root / "reference.json");

  std::string dir(const std::string& name) const { return (root / name).string(); }
  std::vector<int64_t> prompt(size_t i) const {
    return formatter.encode_prompt(reference["a"]["cases"][i]["prompt"].get<std::string>(), "");
  }
  std::vector<int64_t> peft_ids(const std::string& adapter, size_t i) const {
    return reference[adapter]["cases"][i]["ids"].get<std::vector<int64_t>>();
  }
  // Greedy answers of the base model with no adapter set at all.
  std::vector<std::vector<int64_t>> base_alone(int64_t max_new_tokens) {
    Engine plain(loaded.net, loaded.tokenizer, {.parallel = 1});
    std::vector<std::vector<int64_t>> out;
    for (size_t i = 0; i < reference["a"]["cases"].size(); ++i) {
      auto r = plain.submit({.prompt = prompt(i), .config = greedy(max_new_tokens)});
      plain.run_until_idle();
      out.push_back(r.result.get().token_ids);
    }
    return out;
  }
};

TEST(EngineAdapters, MixedAdaptersOfDifferentRanksInOneBatchMatchPeftAndTheBaseModel) {
  AdapterFixture f;
  const auto base = f.base_alone(16);
  adapters::InferenceAdapters bank(f.loaded.net, {.specs = {"a=" + f.dir("a"), "b=" + f.dir("b"), "c=" + f.dir("c")}});
  Engine engine(f.loaded.net, f.loaded.tokenizer, {.parallel = 4}, &bank);
  const std::vector<std::string> names = {"a", "base", "b", "c"};
  for (size_t i = 0; i < f.reference["a"]["cases"].size(); ++i) {
    std::vector<EngineRequest> requests;
    for (const auto& name : names) requests.push_back({.prompt = f.prompt(i), .config = greedy(16), .adapter = name});
    const auto before = engine.stats();
    auto results = run_together(engine, requests);
    // The four rows decoded together: 15 batched steps after the first token, not 4x15.
    EXPECT_EQ(engine.stats().decode_steps - before.decode_steps, 15) << "prompt " << i;
    for (size_t k = 0; k < names.size(); ++k) {
      EXPECT_EQ(results[k].adapter, names[k]);
      const auto& expected = names[k] == "base" ? base[i] : f.peft_ids(names[k], i);
      EXPECT_EQ(results[k].token_ids, expected) << "prompt " << i << ", adapter " << names[k];
    }
  }
  // The adapters really change the answers, each differently.
  EXPECT_NE(f.peft_ids("a", 0), base[0]);
  EXPECT_NE(f.peft_ids("b", 0), f.peft_ids("c", 0));
}

TEST(EngineAdapters, SeededAndGreedyRowsOfMixedAdaptersEqualEachAlone) {
  AdapterFixture f;
  adapters::InferenceAdapters bank(f.loaded.net, {.specs = {"a=" + f.dir("a"), "b=" + f.dir("b"), "c=" + f.dir("c")}});
  std::vector<EngineRequest> requests = {
      {.prompt = f.prompt(0), .config = {.max_new_tokens = 12, .temperature = 1.2, .top_k = 50, .ignore_eos = true,
                                         .seed = 3}, .adapter = "c"},
      {.prompt = f.prompt(1), .config = greedy(16), .adapter = "b"},
      {.prompt = f.prompt(2), .config = {.max_new_tokens = 9, .temperature = 0.9, .top_p = 0.8,
                                         .repetition_penalty = 1.2, .ignore_eos = true, .seed = 11}, .adapter = "base"},
      {.prompt = f.prompt(1), .config = {.max_new_tokens = 15, .min_p = 0.1, .presence_penalty = 0.5,
                                         .ignore_eos = true, .seed = 4}, .adapter = "a"},
      {.prompt = f.prompt(0), .config = greedy(7), .adapter = "a"},
  };
  Engine together(f.loaded.net, f.loaded.tokenizer, {.parallel = 3}, &bank);
  auto results = run_together(together, requests);
  Engine alone(f.loaded.net, f.loaded.tokenizer, {.parallel = 1, .prefix_reuse = false}, &bank);
  for (size_t i = 0; i < requests.size(); ++i) {
    auto solo = run_together(alone, {requests[i]});
    EXPECT_EQ(results[i].token_ids, solo[0].token_ids) << "request " << i << " (" << requests[i].adapter << ")";
    EXPECT_EQ(results[i].finish_reason, "length");
  }
  EXPECT_EQ(results[1].token_ids, f.peft_ids("b", 1));
}

// `lorag chat` names bank.active() in every turn: a stacked batch detaches the
// adapter from the single slot but must not change that choice.
TEST(EngineAdapters, StackedBatchesKeepTheSelectedAdapterForLaterTurns) {
  AdapterFixture f;
  adapters::InferenceAdapters bank(f.loaded.net, {.specs = {"a=" + f.dir("a"), "b=" + f.dir("b")}});
  bank.select("b");
  Engine engine(f.loaded.net, f.loaded.tokenizer, {.parallel = 1}, &bank);
  for (int turn = 0; turn < 2; ++turn) {
    auto r = engine.submit({.prompt = f.prompt(1), .config = greedy(16), .adapter = bank.active()});
    engine.run_until_idle();
    EXPECT_EQ(r.result.get().token_ids, f.peft_ids("b", 1)) << "turn " << turn;
    EXPECT_EQ(bank.active(), "b");
  }
}

TEST(EngineAdapters, UnloadLetsTheRunningRequestFinishAndFailsQueuedOnes) {
  AdapterFixture f;
  Engine engine(f.loaded.net, f.loaded.tokenizer, {.parallel = 1});  // makes its own adapter set
  EXPECT_TRUE(engine.adapter_names().empty());
  engine.load_adapter("a", f.dir("a"));
  EXPECT_EQ(engine.adapter_names(), std::vector<std::string>{"a"});
  auto running = engine.submit({.prompt = f.prompt(0), .config = greedy(16), .adapter = "a"});
  auto queued = engine.submit({.prompt = f.prompt(1), .config = greedy(16), .adapter = "a"});
  auto base = engine.submit({.prompt = f.prompt(2), .config = greedy(4), .adapter = "base"});
  for (int i = 0; i < 3; ++i) engine.step();  // the first request is mid-stream
  engine.unload_adapter("a");
  EXPECT_TRUE(engine.adapter_names().empty());
  auto message = test::error_of<UsageError>([&] { engine.submit({.prompt = f.prompt(0), .adapter = "a"}); });
  EXPECT_NE(message.find("no adapter named 'a'"), std::string::npos) << message;
  // Still used by the running request: not yet gone, so it cannot come back yet.
  message = test::error_of<UsageError>([&] { engine.load_adapter("a", f.dir("a")); });
  EXPECT_NE(message.find("'a' is still being unloaded"), std::string::npos) << message;
  auto dropped = queued.result.get();
  EXPECT_EQ(dropped.finish_reason, "error");
  EXPECT_EQ(dropped.error, "adapter 'a' was unloaded before the request started");
  engine.run_until_idle();
  auto finished = running.result.get();
  EXPECT_EQ(finished.finish_reason, "length");
  EXPECT_EQ(finished.token_ids, f.peft_ids("a", 0));
  EXPECT_EQ(base.result.get().finish_reason, "length");
  // Gone after the last request using it: it can be loaded again (under another name, too).
  engine.load_adapter("a", f.dir("c"));
  auto reloaded = engine.submit({.prompt = f.prompt(0), .config = greedy(16), .adapter = "a"});
  engine.run_until_idle();
  EXPECT_EQ(reloaded.result.get().token_ids, f.peft_ids("c", 0));  // no stale prefix from the old 'a'
}

TEST(EngineAdapters, LoadsAndUnloadsWhileItsLoopServesOtherRequests) {
  AdapterFixture f;
  const auto base = f.base_alone(12);
  Engine engine(f.loaded.net, f.loaded.tokenizer, {.parallel = 3});
  engine.start();
  std::vector<std::future<EngineResult>> futures;
  std::thread client([&] {
    for (int k = 0; k < 12; ++k) {
      futures.push_back(engine.submit({.prompt = f.prompt(k % 3), .config = greedy(12), .adapter = "base"}).result);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  for (int round = 0; round < 3; ++round) {
    engine.load_adapter("b", f.dir("b"));
    engine.load_adapter("c", f.dir("c"));
    auto with_b = engine.submit({.prompt = f.prompt(1), .config = greedy(16), .adapter = "b"});
    EXPECT_EQ(with_b.result.get().token_ids, f.peft_ids("b", 1)) << "round " << round;
    engine.unload_adapter("c");
    engine.unload_adapter("b");
  }
  client.join();
  for (size_t k = 0; k < futures.size(); ++k) {
    EXPECT_EQ(futures[k].get().token_ids, base[k % 3]) << "base request " << k;
  }
  engine.stop();
}

TEST(EngineAdapters, BadLoadsAndUnloadsAreClearErrorsAndChangeNothing) {
  AdapterFixture f;
  Engine engine(f.loaded.net, f.loaded.tokenizer, {.parallel = 2});
  auto message = test::error_of<IoError>([&] { engine.load_adapter("x", "/nonexistent/lora"); });
  EXPECT_NE(message.find("/nonexistent/lora: adapter folder not found"), std::string::npos) << message;
  message = test::error_of<ShapeError>([&] { engine.load_adapter("x", f.dir("mismatch")); });
  EXPECT_NE(message.find("k_proj"), std::string::npos) << message;
  EXPECT_NE(message.find("[48, 4]"), std::string::npos) << message;  // its lora_B; chat_bpe's k_proj is [32, 64]
  message = test::error_of<UsageError>([&] { engine.load_adapter("base", f.dir("a")); });
  EXPECT_NE(message.find("reserved for the base model"), std::string::npos) << message;
  engine.load_adapter("a", f.dir("a"));
  message = test::error_of<UsageError>([&] { engine.load_adapter("a", f.dir("b")); });
  EXPECT_NE(message.find("an adapter named 'a' is already loaded"), std::string::npos) << message;
  message = test::error_of<UsageError>([&] { engine.unload_adapter("zz"); });
  EXPECT_NE(message.find("no adapter named 'zz' is loaded"), std::string::npos) << message;
  message = test::error_of<UsageError>([&] { engine.unload_adapter("base"); });
  EXPECT_NE(message.find("the base model cannot be unloaded"), std::string::npos) << message;
  EXPECT_EQ(engine.adapter_names(), std::vector<std::string>{"a"});
  // The failed loads left 'a' working.
  auto r = engine.submit({.prompt = f.prompt(2), .config = greedy(16), .adapter = "a"});
  engine.run_until_idle();
  EXPECT_EQ(r.result.get().token_ids, f.peft_ids("a", 2));
}

}  // namespace
}  // namespace lorag::infer
