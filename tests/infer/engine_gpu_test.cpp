// SPDX-License-Identifier: Apache-2.0
// The engine's CUDA-graph decode against its eager decode and transformers'
// greedy reference (gpu label: skips without CUDA).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "adapters/inference_adapters.h"
#include "infer/decode_graphs.h"
#include "infer/engine.h"
#include "tests/infer/id_tokenizer.h"
#include "infer/prompt_formatter.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::infer {
namespace {

std::vector<int64_t> ids_of(const torch::Tensor& t) {
  auto r = t.contiguous().to(torch::kInt64).to(torch::kCPU);
  return {r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel()};
}

std::vector<EngineResult> run(Engine& engine, const std::vector<EngineRequest>& requests) {
  std::vector<std::future<EngineResult>> futures;
  for (const auto& r : requests) futures.push_back(engine.submit(r).result);
  engine.run_until_idle();
  std::vector<EngineResult> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

TEST(DecodeGraphs, ReplayGivesTheEagerTokensAndTransformersGreedy) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs CUDA";
  auto m = test::load_fixture_model("llama");
  m.net->to(torch::kCUDA);
  ASSERT_TRUE(DecodeGraphs::supported(m.net)) << "this LibTorch has no CUDA graphs";
  auto tokenizer = std::make_shared<test::IdTokenizer>(m.config.vocab_size);
  const auto prompts = m.reference.at("input_ids");
  // Three rows: buckets 1, 2 and 4 get captured as rows come and go.
  std::vector<EngineRequest> requests = {
      {.prompt = ids_of(prompts[0].narrow(0, 0, 10)), .config = {.max_new_tokens = 32, .ignore_eos = true}},
      {.prompt = ids_of(prompts[1].narrow(0, 0, 17)),
       .config = {.max_new_tokens = 12, .temperature = 1.1, .top_k = 30, .ignore_eos = true, .seed = 4}},
      {.prompt = ids_of(prompts[1].narrow(0, 0, 5)), .config = {.max_new_tokens = 20, .ignore_eos = true}},
  };
  Engine graphs(m.net, tokenizer, {.parallel = 4});
  Engine eager(m.net, tokenizer, {.parallel = 4, .cuda_graphs = false});
  auto a = run(graphs, requests);
  auto b = run(eager, requests);
  for (size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(a[i].token_ids, b[i].token_ids) << "request " << i;
  EXPECT_EQ(a[0].token_ids, ids_of(m.reference.at("gen_single")[0]));
}

// Stacked adapters of ranks 4, 8 and 16/2 and base rows in one graph-replayed batch,
// with an adapter loaded in between (the graphs are recaptured on the new stacks).
TEST(DecodeGraphs, MixedAdapterRowsReplayAsEagerAndMatchPeft) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs CUDA";
  const auto root = test::fixture("cli_adapters");
  auto loaded = test::load_cpu(root / "chat_bpe");
  loaded.net->to(torch::kCUDA);
  PromptFormatter formatter(loaded.tokenizer, loaded.chat_template_source, "auto");
  const auto reference = test::read_json(root / "reference.json");
  adapters::InferenceAdapters bank(loaded.net, {.specs = {"a=" + (root / "a").string(), "b=" + (root / "b").string()}});
  Engine graphs(loaded.net, loaded.tokenizer, {.parallel = 4}, &bank);
  graphs.load_adapter("c", root / "c");
  std::vector<EngineRequest> requests;
  for (std::string name : {"a", "base", "b", "c"}) {
    const auto& c = reference["a"]["cases"][0];
    requests.push_back({.prompt = formatter.encode_prompt(c["prompt"].get<std::string>(), ""),
                        .config = {.max_new_tokens = 16, .ignore_eos = true}, .adapter = name});
  }
  auto a = run(graphs, requests);
  std::vector<EngineResult> b;
  {
    Engine eager(loaded.net, loaded.tokenizer, {.parallel = 4, .cuda_graphs = false}, &bank);
    EXPECT_EQ(eager.adapter_names(), (std::vector<std::string>{"a", "b", "c"}));  // the shared set holds 'c' now
    b = run(eager, requests);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(a[i].token_ids, b[i].token_ids) << "request " << i;
    if (requests[i].adapter == "base") continue;
    // fp32 on CUDA (TF32 off by default in LibTorch): PEFT's greedy tokens.
    EXPECT_EQ(a[i].token_ids, reference[requests[i].adapter]["cases"][0]["ids"].get<std::vector<int64_t>>())
        << "adapter " << requests[i].adapter;
  }
}

}  // namespace
}  // namespace lorag::infer
