// SPDX-License-Identifier: Apache-2.0
// Batched text generation (infer/): a thin wrapper that runs a fixed set of
// prompts through a one-off Engine (infer/engine.h) and streams text as it comes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "infer/generate_config.h"
#include "model/causal_lm.h"
#include "model/text/tokenizer.h"

namespace lorag::infer {

struct GenerationResult {
  std::vector<int64_t> token_ids;  // generated ids, without the final eos/stop token
  std::string text;                // decoded output, cut before any stop string
  std::string finish_reason;       // "eos", "stop" or "length" (OpenAI's names: eos and stop both mean "stop")
};

struct GenerationStats {
  int64_t prompt_tokens = 0;     // real (non-padding) prompt tokens over the batch
  int64_t generated_tokens = 0;  // tokens produced over the batch
  double prefill_seconds = 0;    // prompt forward pass, through the first token
  double decode_seconds = 0;     // every later step
  double prefill_tokens_per_second() const { return prefill_seconds > 0 ? prompt_tokens / prefill_seconds : 0; }
  double decode_tokens_per_second() const { return decode_seconds > 0 ? generated_tokens / decode_seconds : 0; }
};

// Called with (row, text) as soon as a row's new text is certain (valid UTF-8,
// not part of a possible stop string).
using TextCallback = std::function<void(size_t row, const std::string& text)>;

class Generator {
 public:
  // Shares the model and tokenizer; not thread-safe (one generate() at a time).
  Generator(model::CausalLM net, std::shared_ptr<const model::text::Tokenizer> tokenizer);

  // Generates for every prompt (token ids, e.g. from Tokenizer::encode). Output
  // row i belongs to prompt i. Greedy decoding is deterministic; sampling with
  // the same seed repeats; each row gives what it gives alone. Throws ConfigError for a bad config, UsageError when a
  // prompt is empty or longer than the model's context.
  std::vector<GenerationResult> generate(const std::vector<std::vector<int64_t>>& prompts,
                                         const GenerateConfig& config, const TextCallback& on_text = {});

  const GenerationStats& last_stats() const { return stats_; }

 private:
  model::CausalLM net_;
  std::shared_ptr<const model::text::Tokenizer> tokenizer_;
  GenerationStats stats_;
};

}  // namespace lorag::infer
