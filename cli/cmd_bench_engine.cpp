// SPDX-License-Identifier: Apache-2.0
// `lorag bench engine`: the engine's aggregate tokens/s and latencies as a markdown table.
#include <c10/core/ScalarType.h>
#include <torch/version.h>

#include <cstdio>
#include <iostream>

#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/model_session.h"
#include "infer/engine_bench.h"
#include "model/core/error.h"

namespace lorag::cli {

int run_bench_engine(const Args& args) {
  ModelOptions model;
  infer::EngineBenchConfig bench;
  AdapterOptions adapter;
  po::options_description b("Engine benchmark");
  b.add_options()
      ("concurrency", po::value(&bench.concurrency)->multitoken()->default_value(bench.concurrency, "1 4 16"),
       "requests at once (one run each)")
      ("prompt-tokens", po::value(&bench.prompt_tokens)->default_value(bench.prompt_tokens), "tokens per prompt")
      ("new-tokens", po::value(&bench.new_tokens)->default_value(bench.new_tokens), "tokens generated per request")
      ("preamble-tokens", po::value(&bench.preamble_tokens)->default_value(bench.preamble_tokens),
       "shared preamble for the prefix-reuse case; 0 = skip")
      ("mix", po::value(&bench.adapters)->multitoken(), "adapter names to mix round-robin (loaded with --adapter)")
      ("cuda-graphs", po::value(&bench.cuda_graphs)->default_value(bench.cuda_graphs), "on CUDA: decode steps as graphs "
       "(false: eager, for comparison)");
  po::options_description all;
  all.add(b).add(model_options(model)).add(adapter_options(adapter));
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("bench engine", "Measures the engine on random prompts (eos ignored): aggregate tokens/s, time "
                                "to first token and inter-token latency per concurrency; mixed adapters; prefix reuse.",
                all);
    return 0;
  }
  LORAG_CHECK(bench.prompt_tokens > 0 && bench.new_tokens > 0 && bench.preamble_tokens >= 0, UsageError,
              "--prompt-tokens and --new-tokens must be positive, --preamble-tokens >= 0");
  for (int64_t n : bench.concurrency) LORAG_CHECK(n > 0, UsageError, "--concurrency must be positive, got ", n);
  validate_adapter_options(adapter);
  auto session = open_session(model);
  load_adapters(session, adapter);
  auto rows = infer::run_engine_bench(session.model.net, session.model.tokenizer, session.adapters.get(), bench);
  std::cout << "model " << session.model.path.filename().string() << ", " << session.model.net->device().str()
            << ", " << c10::toString(session.model.net->dtype()) << ", torch " << TORCH_VERSION << ", prompt "
            << bench.prompt_tokens << ", new " << bench.new_tokens << "\n\n"
            << "| case | concurrent | tok/s | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms | reused |\n"
            << "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& r : rows) {
    char line[256];
    std::snprintf(line, sizeof line, "| %s | %lld | %.1f | %.1f | %.1f | %.1f | %.1f | %lld |\n", r.name.c_str(),
                  static_cast<long long>(r.concurrency), r.tokens_per_second, r.ttft_p50 * 1e3, r.ttft_p99 * 1e3,
                  r.itl_p50 * 1e3, r.itl_p99 * 1e3, static_cast<long long>(r.reused_tokens));
    std::cout << line;
  }
  return 0;
}

}  // namespace lorag::cli
