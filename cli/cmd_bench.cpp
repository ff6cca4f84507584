// SPDX-License-Identifier: Apache-2.0
// `lorag bench generate`: prefill/decode tokens/s and peak memory as a markdown row.
#include <c10/core/ScalarType.h>
#include <torch/version.h>

#include <iostream>

#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/model_session.h"
#include "infer/generation_bench.h"
#include "model/core/error.h"

namespace lorag::cli {

int run_bench(const Args& args) {
  if (!args.empty() && args[0] == "retrieve") return run_bench_retrieve(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "engine") return run_bench_engine(Args(args.begin() + 1, args.end()));
  std::string what;
  ModelOptions model;
  infer::GenerateConfig generation;
  infer::GenerationBenchConfig bench;
  AdapterOptions adapter;
  po::options_description b("Benchmark");
  b.add_options()
      ("what", po::value(&what)->value_name("generate"), "what to measure: generate, or retrieve / engine (their own flags)")
      ("prompt-tokens", po::value(&bench.prompt_tokens)->default_value(bench.prompt_tokens), "tokens per prompt")
      ("new-tokens", po::value(&bench.new_tokens)->default_value(bench.new_tokens), "tokens generated per prompt")
      ("batch", po::value(&bench.batch)->default_value(bench.batch), "prompts generated together")
      ("warmup", po::value(&bench.warmup)->default_value(bench.warmup), "untimed runs first")
      ("repeats", po::value(&bench.repeats)->default_value(bench.repeats), "timed runs");
  po::options_description all;
  all.add(b).add(model_options(model)).add(adapter_options(adapter)).add(generation_options(generation));
  po::positional_options_description positional;
  positional.add("what", 1);
  po::variables_map vm;
  if (!parse_options(args, all, positional, vm)) {
    print_usage("bench generate", "Measures generation speed on random prompts (eos ignored). Compare with "
                                  "transformers on the same model: bench/bench_generate.py.", all);
    return 0;
  }
  LORAG_CHECK(what == "generate", UsageError, "what to measure must be generate, retrieve or engine (lorag bench generate ...), ",
              what.empty() ? std::string("got none") : "got '" + what + "'");
  LORAG_CHECK(bench.prompt_tokens > 0 && bench.new_tokens > 0 && bench.batch > 0 && bench.repeats > 0, UsageError,
              "--prompt-tokens, --new-tokens, --batch and --repeats must be positive");
  validate_adapter_options(adapter);
  auto session = open_session(model);
  load_adapters(session, adapter);
  // "-" without an adapter, else "NAME attached" or "NAME merged" (attached vs merged decode speed).
  const bool with_adapter = session.adapters && session.adapters->default_name() != adapters::kBaseAdapter;
  const std::string adapter_state =
      with_adapter ? session.adapters->default_name() + (adapter.merge ? " merged" : " attached") : "-";
  auto result = infer::run_generation_bench(*session.generator, session.model.config.vocab_size, bench, generation);
  std::cout << "| model | device | dtype | torch | prompt | new | batch | prefill tok/s | decode tok/s | peak MiB "
               "| adapter |\n"
            << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
            << "| " << session.model.path.filename().string() << " | " << session.model.net->device().str() << " | "
            << c10::toString(session.model.net->dtype()) << " | " << TORCH_VERSION << " | " << bench.prompt_tokens
            << " | " << bench.new_tokens << " | " << bench.batch << " | "
            << infer::median_and_spread(result.prefill_tokens_per_second) << " | "
            << infer::median_and_spread(result.decode_tokens_per_second) << " | "
            << result.peak_memory_bytes / (1 << 20) << " | " << adapter_state << " |\n";
  return 0;
}

}  // namespace lorag::cli
