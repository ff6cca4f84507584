// SPDX-License-Identifier: Apache-2.0
// The engine benchmark behind `lorag bench engine` (infer/): aggregate tokens/s
// and per-request latency (time to first token, inter-token) at several
// concurrencies, base vs mixed adapters, and a shared preamble with and without
// prefix reuse. Random prompts, eos ignored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/engine.h"

namespace lorag::infer {

struct EngineBenchConfig {
  std::vector<int64_t> concurrency = {1, 4, 16};  // requests submitted at once (= slots)
  int64_t prompt_tokens = 64;                     // tokens per prompt, e.g. 128
  int64_t new_tokens = 64;                        // tokens generated per request
  int64_t preamble_tokens = 500;                  // shared prefix of the prefix-reuse case; 0 = skip it
  std::vector<std::string> adapters;              // names to mix round-robin (empty = base only)
  uint64_t seed = 0;                              // prompt ids are drawn from this seed
  bool cuda_graphs = true;                        // on CUDA: replay decode steps as graphs (false: eager)
};

struct EngineBenchRow {
  std::string name;        // "base", "adapters", "preamble cold", "preamble reused"
  int64_t concurrency = 0;
  double tokens_per_second = 0;  // generated tokens over the wall time of the run
  double ttft_p50 = 0, ttft_p99 = 0;  // seconds from submit to first token
  double itl_p50 = 0, itl_p99 = 0;    // seconds between a request's tokens
  int64_t reused_tokens = 0;
};

// Runs every case on the session's model (`adapters` may be null when
// config.adapters is empty). Throws what Engine throws.
std::vector<EngineBenchRow> run_engine_bench(model::CausalLM net, std::shared_ptr<const model::text::Tokenizer> tokenizer,
                                             adapters::InferenceAdapters* adapters, const EngineBenchConfig& config);

}  // namespace lorag::infer
