// SPDX-License-Identifier: Apache-2.0
#include "infer/generator.h"

#include <torch/torch.h>

#include <algorithm>

#include "infer/engine.h"
#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::infer {

Generator::Generator(model::CausalLM net, std::shared_ptr<const model::text::Tokenizer> tokenizer)
    : net_(std::move(net)), tokenizer_(std::move(tokenizer)) {}

std::vector<GenerationResult> Generator::generate(const std::vector<std::vector<int64_t>>& prompts,
                                                  const GenerateConfig& config, const TextCallback& on_text) {
  config.validate();
  LORAG_CHECK(!prompts.empty(), UsageError, "no prompts to generate from");
  const auto& mc = net_->config();
  int64_t longest = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    LORAG_CHECK(!prompts[i].empty(), UsageError, "prompt ", i, " is empty");
    for (int64_t id : prompts[i]) {
      LORAG_CHECK(id >= 0 && id < mc.vocab_size, UsageError, "prompt ", i, ": token id ", id,
                  " is outside the vocabulary [0, ", mc.vocab_size, ")");
    }
    longest = std::max<int64_t>(longest, prompts[i].size());
  }
  LORAG_CHECK(longest < mc.context_length(), UsageError, "prompt of ", longest,
              " tokens does not fit the model's context of ", mc.context_length(), " tokens");
  int64_t max_new = config.max_new_tokens;
  if (longest + max_new > mc.context_length()) {
    max_new = mc.context_length() - longest;
    log::warn("max_new_tokens lowered to ", max_new, " to fit the context of ", mc.context_length(),
              " tokens");
  }
  // One slot per prompt, each just long enough: every row runs as it would alone.
  Engine engine(net_, tokenizer_,
                {.parallel = static_cast<int64_t>(prompts.size()),
                 .ctx_size = longest + std::max<int64_t>(max_new, 1),
                 .prefix_reuse = false});
  std::vector<std::future<EngineResult>> futures;
  for (size_t i = 0; i < prompts.size(); ++i) {
    EngineRequest request{.prompt = prompts[i], .config = config};
    request.config.max_new_tokens = max_new;
    if (on_text) {
      request.on_token = [&on_text, i](const StreamChunk& chunk) {
        if (!chunk.text.empty()) on_text(i, chunk.text);
        return StreamAction::kContinue;
      };
    }
    futures.push_back(engine.submit(std::move(request)).result);
  }
  engine.run_until_idle();
  std::vector<GenerationResult> results;
  stats_ = {};
  for (auto& f : futures) {
    auto r = f.get();
    LORAG_CHECK(r.finish_reason != "error", Error, r.error);
    stats_.prompt_tokens += r.prompt_tokens;
    stats_.generated_tokens += r.completion_tokens;
    results.push_back({std::move(r.token_ids), std::move(r.text), std::move(r.finish_reason)});
  }
  const auto es = engine.stats();
  stats_.prefill_seconds = es.prefill_seconds;
  stats_.decode_seconds = es.decode_seconds;
  return results;
}

}  // namespace lorag::infer
