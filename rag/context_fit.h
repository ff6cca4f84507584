// SPDX-License-Identifier: Apache-2.0
// Fitting retrieved passages into a model's context window (rag/): the prompt
// plus max_new_tokens must never exceed the context, and the lowest-ranked
// passages go first. Torch-free: the prompt is measured through a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/text/tokenizer.h"
#include "rag/chunk.h"

namespace lorag::rag {

// Tokens of the whole prompt (instructions, template, question) built with
// `passages` as its context, counted with the LLM's tokenizer. Expected to grow
// when a passage is added; fit_context only ever keeps a prompt it measured.
using PromptTokenCounter = std::function<int64_t(const std::vector<Hit>& passages)>;

struct ContextFitConfig {
  int64_t context_length = 2048;  // the model's window in tokens (ModelConfig::context_length()), e.g. 8192
  int64_t max_new_tokens = 256;   // tokens reserved for the answer, e.g. 256
  // Off (the default): passages are kept or dropped whole. On: the first passage
  // that does not fit whole is cut at a token boundary to fill what is left,
  // when at least `min_cut_tokens` of it fit; every lower-ranked one is dropped.
  bool cut_passage = false;
  int64_t min_cut_tokens = 32;  // smallest useful cut passage in tokens, e.g. 32

  // Tokens the prompt may use: context_length - max_new_tokens.
  int64_t prompt_budget() const { return context_length - max_new_tokens; }
  // Throws ConfigError naming the field when a value is out of range.
  void validate() const;
};

struct FittedContext {
  std::vector<Hit> passages;  // the kept hits in rank order (a prefix of the input; the last one cut when `cut`)
  int64_t dropped = 0;        // hits left out, all ranked below every kept one (a cut one counts as kept)
  bool cut = false;           // whether the last kept passage was cut short
  int64_t prompt_tokens = 0;  // the counter's value for `passages`; <= prompt_budget()
};

// Keeps the longest prefix of `ranked` (best first) whose prompt fits
// config.prompt_budget(), measured with `count`. `tokenizer` (the LLM's) is
// needed only when config.cut_passage is on; the cut keeps the passage's first
// tokens, decoded and trimmed to whole UTF-8 characters.
// Throws UsageError when even the prompt without passages does not fit, giving
// the token counts and the context length.
FittedContext fit_context(const std::vector<Hit>& ranked, const PromptTokenCounter& count,
                          const ContextFitConfig& config, const model::text::Tokenizer* tokenizer = nullptr);

}  // namespace lorag::rag
