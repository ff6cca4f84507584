// SPDX-License-Identifier: Apache-2.0
// Requests naming different adapters submitted together into one engine, against
// PEFT's greedy answers for each adapter (scripts/fixtures/cli_adapters.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "adapters/inference_adapters.h"
#include "infer/engine.h"
#include "infer/prompt_formatter.h"
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

TEST(EngineAdapters, InterleavedAdapterRequestsMatchPeftAndBaseRowsMatchTheBaseModel) {
  const auto root = test::fixture("cli_adapters");
  auto loaded = test::load_cpu(root / "chat_bpe");
  PromptFormatter formatter(loaded.tokenizer, loaded.chat_template_source, "auto");
  const auto reference = test::read_json(root / "reference.json");
  std::vector<EngineRequest> requests;
  std::vector<std::vector<int64_t>> expected;
  for (size_t i = 0; i < reference["a"]["cases"].size(); ++i) {
    for (std::string name : {"a", "base", "b"}) {
      const auto& c = (name == "base" ? reference["a"] : reference[name])["cases"][i];
      requests.push_back({.prompt = formatter.encode_prompt(c["prompt"].get<std::string>(), ""),
                          .config = greedy(16), .adapter = name});
      expected.push_back(name == "base" ? std::vector<int64_t>() : c["ids"].get<std::vector<int64_t>>());
    }
  }
  // The base model alone first, before any adapter is loaded onto it.
  std::vector<std::vector<int64_t>> base_alone;
  {
    auto unnamed = requests;
    for (auto& r : unnamed) r.adapter = "";
    Engine plain(loaded.net, loaded.tokenizer, {.parallel = 1});
    auto futures = submit_all(plain, unnamed);
    plain.run_until_idle();
    for (auto& f : futures) base_alone.push_back(f.get().token_ids);
  }
  adapters::InferenceAdapters bank(loaded.net, {.specs = {"a=" + (root / "a").string(), "b=" + (root / "b").string()}});
  Engine engine(loaded.net, loaded.tokenizer, {.parallel = 2}, &bank);
  auto futures = submit_all(engine, requests);
  engine.run_until_idle();
  for (size_t i = 0; i < requests.size(); ++i) {
    auto r = futures[i].get();
    EXPECT_EQ(r.adapter, requests[i].adapter) << "request " << i;
    if (requests[i].adapter == "base") {
      EXPECT_EQ(r.token_ids, base_alone[i]) << "request " << i;
    } else {
      EXPECT_EQ(r.token_ids, expected[i]) << "request " << i << " (adapter " << r.adapter << ")";
    }
  }
  // The adapters really change the answers.
  EXPECT_NE(expected[0], base_alone[0]);
}

}  // namespace
}  // namespace lorag::infer
