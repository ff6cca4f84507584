// SPDX-License-Identifier: Apache-2.0
// Runtime knobs of text generation (infer/), named as transformers and the
// OpenAI API name them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lorag::infer {

struct GenerateConfig {
  int64_t max_new_tokens = 256;      // tokens to generate at most, e.g. 128
  double temperature = 0.0;          // 0 = greedy; e.g. 0.7 for sampling
  int64_t top_k = 0;                 // keep the k most likely tokens; 0 = off, e.g. 50
  double top_p = 1.0;                // nucleus mass to keep; 1 = off, e.g. 0.9
  double min_p = 0.0;                // drop tokens below min_p * p(max); 0 = off, e.g. 0.05
  double repetition_penalty = 1.0;   // transformers semantics over prompt + output; 1 = off, e.g. 1.1
  double frequency_penalty = 0.0;    // OpenAI semantics over generated tokens; e.g. 0.5
  double presence_penalty = 0.0;     // OpenAI semantics over generated tokens; e.g. 0.5
  std::vector<std::string> stop;     // stop strings, cut from the output, e.g. {"\n\n"}
  std::vector<int64_t> stop_token_ids;  // extra ids that end generation, e.g. a chat template's end-of-turn
  bool ignore_eos = false;           // keep going past end-of-sequence tokens
  uint64_t seed = 0;                 // sampling seed; same seed, same output

  bool greedy() const { return temperature <= 0.0 || top_k == 1; }
  // Throws ConfigError naming the field and value.
  void validate() const;
};

}  // namespace lorag::infer
