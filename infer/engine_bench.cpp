// SPDX-License-Identifier: Apache-2.0
#include "infer/engine_bench.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "model/core/quantile.h"

namespace lorag::infer {
namespace {

using Clock = std::chrono::steady_clock;

// lorag's one quantile (numpy's linear method), 0 for no samples.
double percentile(std::vector<double> v, double q) { return v.empty() ? 0 : quantile(std::move(v), q); }

std::vector<int64_t> random_ids(int64_t n, int64_t vocab, at::Generator& g) {
  auto t = torch::randint(3, vocab, {n}, g, torch::kInt64);
  return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + n};
}

// Submits `prompts` at once (adapter i % |adapters|), runs to the end, measures.
EngineBenchRow run_case(Engine& engine, const std::string& name, const std::vector<std::vector<int64_t>>& prompts,
                        const std::vector<std::string>& adapters, int64_t new_tokens) {
  const size_t n = prompts.size();
  std::vector<std::vector<Clock::time_point>> stamps(n);
  std::vector<std::future<EngineResult>> futures;
  const auto start = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    EngineRequest r{.prompt = prompts[i], .config = {.max_new_tokens = new_tokens, .ignore_eos = true}};
    if (!adapters.empty()) r.adapter = adapters[i % adapters.size()];
    r.on_token = [&stamps, i](const StreamChunk& c) {
      if (c.token_id >= 0) stamps[i].push_back(Clock::now());
      return StreamAction::kContinue;
    };
    futures.push_back(engine.submit(std::move(r)).result);
  }
  engine.run_until_idle();
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  EngineBenchRow row{.name = name, .concurrency = static_cast<int64_t>(n)};
  std::vector<double> ttft, itl;
  int64_t generated = 0;
  for (size_t i = 0; i < n; ++i) {
    auto r = futures[i].get();
    generated += r.completion_tokens;
    ttft.push_back(r.first_token_seconds);
    row.reused_tokens += r.reused_tokens;
    for (size_t t = 1; t < stamps[i].size(); ++t) {
      itl.push_back(std::chrono::duration<double>(stamps[i][t] - stamps[i][t - 1]).count());
    }
  }
  row.tokens_per_second = generated / wall;
  row.ttft_p50 = percentile(ttft, 0.5);
  row.ttft_p99 = percentile(ttft, 0.99);
  row.itl_p50 = percentile(itl, 0.5);
  row.itl_p99 = percentile(itl, 0.99);
  return row;
}

}  // namespace

std::vector<EngineBenchRow> run_engine_bench(model::CausalLM net, std::shared_ptr<const model::text::Tokenizer> tokenizer,
                                             adapters::InferenceAdapters* adapters, const EngineBenchConfig& c) {
  const int64_t vocab = net->config().vocab_size;
  auto g = at::make_generator<at::CPUGeneratorImpl>(c.seed);
  std::vector<EngineBenchRow> rows;
  const int64_t ctx = c.prompt_tokens + c.new_tokens;
  for (int64_t n : c.concurrency) {
    std::vector<std::vector<int64_t>> prompts;
    for (int64_t i = 0; i < n; ++i) prompts.push_back(random_ids(c.prompt_tokens, vocab, g));
    Engine engine(net, tokenizer,
                  {.parallel = n, .ctx_size = ctx, .prefix_reuse = false, .cuda_graphs = c.cuda_graphs}, adapters);
    run_case(engine, "warm-up", {prompts[0]}, {}, 4);
    rows.push_back(run_case(engine, "base", prompts, {}, c.new_tokens));
    if (!c.adapters.empty()) rows.push_back(run_case(engine, "adapters", prompts, c.adapters, c.new_tokens));
  }
  if (c.preamble_tokens > 0) {
    const auto preamble = random_ids(c.preamble_tokens, vocab, g);
    auto with_question = [&] {
      auto p = preamble;
      for (int64_t id : random_ids(16, vocab, g)) p.push_back(id);
      return p;
    };
    for (bool reuse : {false, true}) {
      Engine engine(net, tokenizer,
                    {.parallel = 1,
                     .ctx_size = c.preamble_tokens + 16 + c.new_tokens,
                     .prefix_reuse = reuse,
                     .cuda_graphs = c.cuda_graphs},
                    adapters);
      // Twice: the second warm-up runs the measured shape (on CUDA a new shape's
      // first forward loads kernels); both leave the preamble in the slot.
      for (int i = 0; i < 2; ++i) run_case(engine, "warm-up", {with_question()}, {}, 4);
      rows.push_back(run_case(engine, reuse ? "preamble reused" : "preamble cold", {with_question()}, {},
                              c.new_tokens));
    }
  }
  return rows;
}

}  // namespace lorag::infer
