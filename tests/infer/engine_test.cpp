// SPDX-License-Identifier: Apache-2.0
// The engine on the tiny fixtures: batch invariance (each request alone, beside
// others, and as transformers' greedy generate() gives it), admission mid-flight,
// cancellation, limits, chunked prefill, prefix reuse, submission from threads.
#include "infer/engine.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

#include "infer/decode_graphs.h"
#include "model/core/error.h"
#include "tests/infer/id_tokenizer.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::infer {
namespace {

std::vector<int64_t> ids_of(const torch::Tensor& t) {
  auto r = t.contiguous().to(torch::kInt64);
  return {r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel()};
}

struct Fixture {
  test::FixtureModel m;
  std::shared_ptr<const model::text::Tokenizer> tokenizer;
  explicit Fixture(const std::string& name)
      : m(test::load_fixture_model(name)), tokenizer(std::make_shared<test::IdTokenizer>(m.config.vocab_size)) {}
  std::unique_ptr<Engine> engine(EngineConfig c) const { return std::make_unique<Engine>(m.net, tokenizer, c); }
  // Prompt `row` of the reference input_ids [2, 24], its first `length` tokens.
  std::vector<int64_t> prompt(int64_t row, int64_t length) const {
    return ids_of(m.reference.at("input_ids")[row].narrow(0, 0, length));
  }
};

GenerateConfig greedy(int64_t n) { return {.max_new_tokens = n, .ignore_eos = true}; }

// Four requests with their own lengths and sampling settings.
std::vector<EngineRequest> mixed_requests(const Fixture& f) {
  return {
      {.prompt = f.prompt(0, 10), .config = greedy(20)},
      {.prompt = f.prompt(1, 17),
       .config = {.max_new_tokens = 14, .temperature = 1.3, .top_k = 40, .ignore_eos = true, .seed = 5}},
      {.prompt = f.prompt(0, 4),
       .config = {.max_new_tokens = 9, .temperature = 0.8, .top_p = 0.9, .repetition_penalty = 1.3,
                  .ignore_eos = true, .seed = 9}},
      {.prompt = f.prompt(1, 23),
       .config = {.max_new_tokens = 25, .min_p = 0.05, .frequency_penalty = 0.7, .presence_penalty = 0.4,
                  .ignore_eos = true}},
  };
}

EngineResult run_alone(const Fixture& f, EngineRequest r, EngineConfig c = {}) {
  auto engine = f.engine(c);
  auto submitted = engine->submit(std::move(r));
  engine->run_until_idle();
  return submitted.result.get();
}

std::vector<EngineResult> run_together(Engine& engine, std::vector<EngineRequest> requests) {
  std::vector<std::future<EngineResult>> futures;
  for (auto& r : requests) futures.push_back(engine.submit(std::move(r)).result);
  engine.run_until_idle();
  std::vector<EngineResult> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

class EngineParity : public ::testing::TestWithParam<std::string> {};

// transformers' greedy generate() on the first 10 tokens (gen_single) and on the
// three prompts of its left-padded batch (gen_padded, where transformers' batch
// equals its rows alone), all submitted together into 2 slots.
TEST_P(EngineParity, GreedyRequestsTogetherMatchTransformers) {
  Fixture f(GetParam());
  const auto& ref = f.m.reference;
  std::vector<EngineRequest> requests = {{.prompt = f.prompt(0, 10), .config = greedy(32)}};
  const bool batch_dependent_rope =
      f.m.config.rope_scaling.type == "dynamic" || f.m.config.rope_scaling.type == "longrope";
  const int64_t padded = batch_dependent_rope ? 0 : ref.at("padded_ids").size(0);
  for (int64_t b = 0; b < padded; ++b) {
    auto prompt = ref.at("padded_ids")[b].masked_select(ref.at("padded_mask")[b].to(torch::kBool));
    requests.push_back({.prompt = ids_of(prompt), .config = greedy(ref.at("gen_padded").size(1))});
  }
  auto engine = f.engine({.parallel = 2});
  auto results = run_together(*engine, requests);
  EXPECT_EQ(results[0].token_ids, ids_of(ref.at("gen_single")[0]));
  EXPECT_EQ(results[0].finish_reason, "length");
  for (int64_t b = 0; b < padded; ++b) {
    EXPECT_EQ(results[b + 1].token_ids, ids_of(ref.at("gen_padded")[b])) << "padded row " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EngineParity,
                         ::testing::Values("llama", "llama_rope_dynamic", "mistral", "gemma3", "phi3_longrope"),
                         [](const auto& info) { return info.param; });

TEST(Engine, MixedRequestsTogetherEqualEachAlone) {
  Fixture f("llama");
  auto engine = f.engine({.parallel = 4});
  auto together = run_together(*engine, mixed_requests(f));
  auto requests = mixed_requests(f);
  for (size_t i = 0; i < requests.size(); ++i) {
    auto alone = run_alone(f, requests[i]);
    EXPECT_EQ(together[i].token_ids, alone.token_ids) << "request " << i;
    EXPECT_EQ(together[i].text, alone.text) << "request " << i;
    EXPECT_EQ(together[i].finish_reason, "length");
    EXPECT_EQ(together[i].completion_tokens, requests[i].config.max_new_tokens);
  }
  // The sampled requests really sampled: another seed changes the text.
  auto reseeded = requests[1];
  reseeded.config.seed = 6;
  EXPECT_NE(run_alone(f, reseeded).token_ids, together[1].token_ids);
}

TEST(Engine, MoreRequestsThanSlotsQueueAndMatchAlone) {
  Fixture f("qwen2");
  auto engine = f.engine({.parallel = 2});
  auto together = run_together(*engine, mixed_requests(f));
  auto requests = mixed_requests(f);
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(together[i].token_ids, run_alone(f, requests[i]).token_ids) << "request " << i;
  }
}

TEST(Engine, RequestAdmittedMidFlightJoinsTheBatch) {
  Fixture f("mistral");  // sliding window 6: the per-row mask windows each row on its own
  auto engine = f.engine({.parallel = 3});
  auto requests = mixed_requests(f);
  auto first = engine->submit(requests[0]);
  for (int i = 0; i < 5; ++i) engine->step();
  auto second = engine->submit(requests[3]);
  engine->step();
  auto third = engine->submit(requests[1]);
  engine->run_until_idle();
  EXPECT_EQ(first.result.get().token_ids, run_alone(f, requests[0]).token_ids);
  EXPECT_EQ(second.result.get().token_ids, run_alone(f, requests[3]).token_ids);
  EXPECT_EQ(third.result.get().token_ids, run_alone(f, requests[1]).token_ids);
  EXPECT_GT(engine->stats().decode_steps, 0);
}

TEST(Engine, CancelMidStreamFreesTheSlotForTheNextRequest) {
  Fixture f("llama");
  auto engine = f.engine({.parallel = 2});
  auto requests = mixed_requests(f);
  int streamed = 0;
  auto client_gone = requests[0];
  client_gone.on_token = [&](const StreamChunk&) { return ++streamed == 3 ? StreamAction::kStop : StreamAction::kContinue; };
  auto gone = engine->submit(client_gone);
  auto other = engine->submit(requests[1]);
  auto queued = engine->submit(requests[2]);  // waits for a slot
  engine->step();
  engine->step();
  auto cancelled = engine->submit(requests[3]);
  engine->cancel(cancelled.id);
  engine->run_until_idle();
  auto gone_result = gone.result.get();
  EXPECT_EQ(gone_result.finish_reason, "cancelled");
  EXPECT_EQ(gone_result.completion_tokens, 3);
  EXPECT_EQ(cancelled.result.get().finish_reason, "cancelled");
  EXPECT_EQ(other.result.get().token_ids, run_alone(f, requests[1]).token_ids);
  auto queued_result = queued.result.get();
  EXPECT_EQ(queued_result.token_ids, run_alone(f, requests[2]).token_ids);
}

TEST(Engine, StopsAtMaxTokensAndAtTheSlotContext) {
  Fixture f("llama");
  auto engine = f.engine({.parallel = 2, .ctx_size = 16});
  auto results = run_together(*engine, {{.prompt = f.prompt(0, 10), .config = greedy(4)},
                                        {.prompt = f.prompt(1, 10), .config = greedy(50)}});
  EXPECT_EQ(results[0].completion_tokens, 4);
  EXPECT_EQ(results[0].finish_reason, "length");
  EXPECT_EQ(results[1].completion_tokens, 6);  // 10 prompt + 6 = the slot's 16 tokens
  EXPECT_EQ(results[1].finish_reason, "length");
  auto expected = run_alone(f, {.prompt = f.prompt(1, 10), .config = greedy(6)});
  EXPECT_EQ(results[1].token_ids, expected.token_ids);
  const auto message = test::error_of<UsageError>(
      [&] { engine->submit({.prompt = f.prompt(0, 16), .config = greedy(4)}); });
  EXPECT_NE(message.find("prompt of 16 tokens does not fit the context of 16 tokens"), std::string::npos) << message;
}

TEST(Engine, EndOfSequenceAndStopStringsEndARowOnly) {
  Fixture f("llama");
  const auto expected = ids_of(f.m.reference.at("gen_single")[0]);
  GenerateConfig eos = greedy(12);
  eos.ignore_eos = false;
  eos.stop_token_ids = {expected[4]};
  GenerateConfig stop = greedy(12);
  stop.stop = {"<" + std::to_string(expected[3]) + ">"};
  auto engine = f.engine({.parallel = 3});
  auto results = run_together(*engine, {{.prompt = f.prompt(0, 10), .config = eos},
                                        {.prompt = f.prompt(0, 10), .config = stop},
                                        {.prompt = f.prompt(0, 10), .config = greedy(12)}});
  const auto first_stop = std::find(expected.begin(), expected.end(), expected[4]) - expected.begin();
  EXPECT_EQ(results[0].finish_reason, "eos");
  EXPECT_EQ(results[0].token_ids, std::vector<int64_t>(expected.begin(), expected.begin() + first_stop));
  EXPECT_EQ(results[1].finish_reason, "stop");
  EXPECT_EQ(results[1].text.find(stop.stop[0]), std::string::npos);
  EXPECT_EQ(results[2].token_ids, std::vector<int64_t>(expected.begin(), expected.begin() + 12));
}

TEST(Engine, ChunkedPrefillEqualsOneShotPrefill) {
  Fixture f("gemma3");  // sliding and full layers both read the per-row cache across chunks
  auto requests = mixed_requests(f);
  auto chunked = f.engine({.parallel = 4, .prefill_chunk = 3});
  auto one_shot = f.engine({.parallel = 4, .prefill_chunk = 512});
  auto a = run_together(*chunked, mixed_requests(f));
  auto b = run_together(*one_shot, mixed_requests(f));
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].token_ids, b[i].token_ids) << "request " << i;
  EXPECT_EQ(chunked->stats().prefilled_tokens, one_shot->stats().prefilled_tokens);
}

TEST(Engine, PrefixReuseGivesTheColdOutputAndCountsReusedTokens) {
  Fixture f("llama");
  auto engine = f.engine({.parallel = 1});
  auto preamble = f.prompt(0, 12);
  auto first = run_together(*engine, {{.prompt = preamble, .config = greedy(6)}});
  auto follow_up = preamble;
  for (int64_t id : f.prompt(1, 7)) follow_up.push_back(id);
  auto warm = run_together(*engine, {{.prompt = follow_up, .config = greedy(16)}})[0];
  EXPECT_EQ(warm.reused_tokens, 12);
  EXPECT_EQ(engine->stats().reused_tokens, 12);
  auto cold = run_alone(f, {.prompt = follow_up, .config = greedy(16)}, {.prefix_reuse = false});
  EXPECT_EQ(cold.reused_tokens, 0);
  EXPECT_EQ(warm.token_ids, cold.token_ids);
  // The same prompt again reuses all but its last token (whose logits start the output).
  auto again = run_together(*engine, {{.prompt = follow_up, .config = greedy(16)}})[0];
  EXPECT_EQ(again.reused_tokens, static_cast<int64_t>(follow_up.size()) - 1);
  EXPECT_EQ(again.token_ids, cold.token_ids);
}

TEST(Engine, SubmitsFromManyThreadsWhileItsLoopRuns) {
  Fixture f("llama");
  auto engine = f.engine({.parallel = 3});
  engine->start();
  auto requests = mixed_requests(f);
  std::vector<EngineResult> results(requests.size());
  std::vector<std::thread> clients;
  for (size_t i = 0; i < requests.size(); ++i) {
    clients.emplace_back([&, i] { results[i] = engine->submit(requests[i]).result.get(); });
  }
  for (auto& t : clients) t.join();
  engine->stop();
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(results[i].token_ids, run_alone(f, requests[i]).token_ids) << "request " << i;
  }
  EXPECT_EQ(engine->stats().requests, static_cast<int64_t>(requests.size()));
}

TEST(Engine, RejectsBadRequestsAtSubmit) {
  Fixture f("llama");
  auto engine = f.engine({});
  EXPECT_NE(test::error_of<UsageError>([&] { engine->submit({.config = greedy(2)}); }).find("the prompt is empty"),
            std::string::npos);
  EXPECT_NE(test::error_of<UsageError>([&] { engine->submit({.prompt = {5, 100000}, .config = greedy(2)}); })
                .find("token id 100000 is outside the vocabulary [0, 320)"),
            std::string::npos);
  EXPECT_NE(test::error_of<UsageError>([&] {
              engine->submit({.prompt = {5}, .config = greedy(2), .adapter = "math"});
            }).find("no adapter named 'math'"),
            std::string::npos);
  EXPECT_THROW(engine->submit({.prompt = {5}, .config = {.temperature = -1}}), ConfigError);
  EXPECT_THROW(f.engine({.parallel = 0}), ConfigError);
  EXPECT_THROW(f.engine({.ctx_size = 129}), ConfigError);  // the fixture's context is 128
}

TEST(DecodeGraphs, BucketsArePowersOfTwoCappedAtTheSlots) {
  EXPECT_EQ(DecodeGraphs::bucket(1, 16), 1);
  EXPECT_EQ(DecodeGraphs::bucket(3, 16), 4);
  EXPECT_EQ(DecodeGraphs::bucket(9, 16), 16);
  EXPECT_EQ(DecodeGraphs::bucket(5, 6), 6);
  EXPECT_FALSE(DecodeGraphs::supported(test::load_fixture_model("llama").net));  // a CPU model decodes eagerly
}

}  // namespace
}  // namespace lorag::infer
