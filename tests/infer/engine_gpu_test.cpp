// SPDX-License-Identifier: Apache-2.0
// The engine's CUDA-graph decode against its eager decode and transformers'
// greedy reference (gpu label: skips without CUDA).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "infer/decode_graphs.h"
#include "infer/engine.h"
#include "tests/infer/id_tokenizer.h"
#include "tests/model/model_test_util.h"

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

}  // namespace
}  // namespace lorag::infer
