// SPDX-License-Identifier: Apache-2.0
#include "infer/generation_bench.h"

#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "infer/device_memory.h"
#include "model/core/log.h"

namespace lorag::infer {

GenerationBenchResult run_generation_bench(Generator& generator, int64_t vocab_size,
                                           const GenerationBenchConfig& config, GenerateConfig generation) {
  generation.max_new_tokens = config.new_tokens;
  generation.ignore_eos = true;
  std::mt19937_64 rng(config.seed);
  // Ids above 10 avoid the special tokens most vocabularies put first.
  std::uniform_int_distribution<int64_t> pick(std::min<int64_t>(10, vocab_size - 1), vocab_size - 1);
  std::vector<std::vector<int64_t>> prompts(config.batch, std::vector<int64_t>(config.prompt_tokens));
  for (auto& p : prompts) std::generate(p.begin(), p.end(), [&] { return pick(rng); });
  GenerationBenchResult result;
  reset_peak_device_memory();
  for (int64_t run = 0; run < config.warmup + config.repeats; ++run) {
    generator.generate(prompts, generation);
    if (run < config.warmup) continue;
    const auto& st = generator.last_stats();
    result.prefill_tokens_per_second.push_back(st.prefill_tokens_per_second());
    result.decode_tokens_per_second.push_back(st.decode_tokens_per_second());
    log::info("run ", run - config.warmup + 1, "/", config.repeats, ": prefill ", st.prefill_tokens_per_second(),
              " tok/s, decode ", st.decode_tokens_per_second(), " tok/s");
  }
  result.peak_memory_bytes = peak_device_memory_bytes();
  if (result.peak_memory_bytes == 0) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    result.peak_memory_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;
  }
  return result;
}

std::string median_and_spread(std::vector<double> values) {
  if (values.empty()) return "n/a";
  std::sort(values.begin(), values.end());
  char out[96];
  std::snprintf(out, sizeof out, "%.1f (%.1f-%.1f)", values[values.size() / 2], values.front(), values.back());
  return out;
}

}  // namespace lorag::infer
