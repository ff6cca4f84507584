// SPDX-License-Identifier: Apache-2.0
// The end-to-end generation benchmark behind `lorag bench generate` (infer/):
// random prompts of a fixed length, warm-up, repeated timed runs, medians.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/generator.h"

namespace lorag::infer {

struct GenerationBenchConfig {
  int64_t prompt_tokens = 128;  // tokens per prompt, e.g. 512
  int64_t new_tokens = 64;      // tokens generated per prompt (eos ignored), e.g. 128
  int64_t batch = 1;            // prompts generated together, e.g. 8
  int64_t warmup = 1;           // untimed runs first
  int64_t repeats = 5;          // timed runs; medians and spread reported
  uint64_t seed = 0;            // prompt ids are drawn from this seed
};

struct GenerationBenchResult {
  std::vector<double> prefill_tokens_per_second;  // one per timed run
  std::vector<double> decode_tokens_per_second;
  int64_t peak_memory_bytes = 0;  // CUDA: peak allocated by LibTorch; CPU: peak resident set
};

// Runs the benchmark with `generation`'s sampling settings (max_new_tokens and
// ignore_eos are overridden). Throws what Generator::generate throws.
GenerationBenchResult run_generation_bench(Generator& generator, int64_t vocab_size,
                                           const GenerationBenchConfig& config, GenerateConfig generation);

// "median (min–max)" of `values`, e.g. "812.3 (790.1–820.4)".
std::string median_and_spread(std::vector<double> values);

}  // namespace lorag::infer
