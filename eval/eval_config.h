// SPDX-License-Identifier: Apache-2.0
// Knobs of an answer-quality comparison (eval/, torch-free).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace lorag::eval {

struct EvalConfig {
  int64_t k = 5;                      // hit@k / recall@k cut-off in retrieved chunks, e.g. 5
  int64_t bootstrap_resamples = 1000; // bootstrap samples per confidence interval, e.g. 1000
  int64_t permutations = 10000;       // random sign flips per paired test (exact for n <= 16 or 2^n <= this)
  double confidence = 0.95;           // confidence level of the intervals, e.g. 0.95
  double alpha = 0.05;                // significance level of the paired tests, e.g. 0.05
  uint64_t seed = 0;                  // seed of every resampling, e.g. 0
  std::vector<std::string> abstain_phrases = default_abstain_phrases();  // lower-case substrings

  // Throws ConfigError naming the field and value: k < 1, resamples or
  // permutations < 1, confidence or alpha outside (0, 1).
  void validate() const;
};

}  // namespace lorag::eval
