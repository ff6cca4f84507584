// SPDX-License-Identifier: Apache-2.0
#include "rag/context_fit.h"

#include <string>

#include "model/core/error.h"
#include "model/text/utf8.h"

namespace lorag::rag {

void ContextFitConfig::validate() const {
  LORAG_CHECK(context_length > 0, ConfigError, "context_length is ", context_length, ", expected > 0");
  LORAG_CHECK(max_new_tokens > 0, ConfigError, "max_new_tokens is ", max_new_tokens, ", expected > 0");
  LORAG_CHECK(min_cut_tokens > 0, ConfigError, "min_cut_tokens is ", min_cut_tokens, ", expected > 0");
}

namespace {

// `hit` with its text cut to its first `tokens` tokens, ending on a whole UTF-8 character.
Hit cut_hit(const Hit& hit, const std::vector<int64_t>& ids, int64_t tokens, const model::text::Tokenizer& tokenizer) {
  Hit out = hit;
  std::string text = tokenizer.decode_bytes({ids.begin(), ids.begin() + tokens}, /*skip_special=*/true);
  text.resize(text.size() - model::text::utf8::incomplete_tail(text));
  out.chunk.text = model::text::utf8::repair(text);
  return out;
}

// Cuts ranked[kept] to the most tokens that still fit after the first `kept`
// passages; false when fewer than min_cut_tokens fit.
bool try_cut(const std::vector<Hit>& ranked, const PromptTokenCounter& count, const ContextFitConfig& config,
             const model::text::Tokenizer& tokenizer, FittedContext& fit) {
  const Hit& next = ranked[fit.passages.size()];
  const auto ids = tokenizer.encode(next.chunk.text, /*add_special=*/false);
  auto trial = fit.passages;
  trial.push_back(next);
  int64_t best = 0, best_tokens = 0;
  // Largest m in [min_cut_tokens, ids.size()) whose prompt fits (it grows with m).
  int64_t lo = config.min_cut_tokens, hi = static_cast<int64_t>(ids.size()) - 1;
  while (lo <= hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    trial.back() = cut_hit(next, ids, mid, tokenizer);
    const int64_t tokens = count(trial);
    if (tokens <= config.prompt_budget()) {
      best = mid, best_tokens = tokens, lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (best == 0) return false;
  fit.passages.push_back(cut_hit(next, ids, best, tokenizer));
  fit.prompt_tokens = best_tokens;
  fit.cut = true;
  return true;
}

}  // namespace

FittedContext fit_context(const std::vector<Hit>& ranked, const PromptTokenCounter& count,
                          const ContextFitConfig& config, const model::text::Tokenizer* tokenizer) {
  config.validate();
  LORAG_CHECK(!config.cut_passage || tokenizer, UsageError, "cut_passage needs the model's tokenizer");
  const int64_t budget = config.prompt_budget();
  FittedContext fit;
  // Common case first: everything fits, one measurement.
  const int64_t all = count(ranked);
  if (all <= budget) {
    fit.passages = ranked;
    fit.prompt_tokens = all;
    return fit;
  }
  const int64_t bare = count({});
  if (bare > budget) {
    throw UsageError(detail::concat("the prompt without context passages is ", bare, " tokens; with max_new_tokens ",
                                    config.max_new_tokens, " that exceeds the model's context of ",
                                    config.context_length, " tokens (hint: shorten the question or lower --max-new-tokens)"));
  }
  // Largest k in [0, n) whose first k passages fit: only measured prompts are kept,
  // so the budget holds even if a counter were not monotone.
  int64_t lo = 1, hi = static_cast<int64_t>(ranked.size()) - 1, best = 0, best_tokens = bare;
  while (lo <= hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    const int64_t tokens = count({ranked.begin(), ranked.begin() + mid});
    if (tokens <= budget) {
      best = mid, best_tokens = tokens, lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  fit.passages.assign(ranked.begin(), ranked.begin() + best);
  fit.prompt_tokens = best_tokens;
  if (config.cut_passage) try_cut(ranked, count, config, *tokenizer, fit);
  fit.dropped = static_cast<int64_t>(ranked.size() - fit.passages.size());
  return fit;
}

}  // namespace lorag::rag
