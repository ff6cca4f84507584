// SPDX-License-Identifier: Apache-2.0
#include "infer/prompt_batch.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <utility>

#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::infer {

GenerationStats generate_prompt_batch(ModelSession& s, const std::vector<PromptRecord>& records,
                                      const std::string& source, GenerateConfig config,
                                      const EngineConfig& engine_config, const PromptBatchRow& on_row) {
  const auto groups = s.adapters ? group_by_adapter(records, s.adapters->default_name(), s.adapters->available(), source)
                                 : group_by_adapter(records, adapters::kBaseAdapter, {adapters::kBaseAdapter}, source);
  config.stop_token_ids = s.formatter->end_of_turn_ids();
  std::vector<std::vector<int64_t>> prompts(records.size());
  int64_t longest = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    prompts[i] = s.formatter->encode_chat(records[i].messages);
    longest = std::max<int64_t>(longest, prompts[i].size());
  }
  auto engine = make_engine(s, engine_config, longest, config.max_new_tokens);
  std::vector<std::future<EngineResult>> pending(records.size());
  std::vector<std::string> adapter_of(records.size());
  for (const auto& group : groups) {
    for (size_t i : group.indices) {
      adapter_of[i] = group.adapter;
      pending[i] = engine->submit({.prompt = prompts[i], .config = config, .adapter = group.adapter}).result;
    }
  }
  // Rows finish out of order; each waits here until the rows before it are handed on.
  std::vector<std::optional<EngineResult>> finished(records.size());
  GenerationStats totals;
  size_t handed = 0, done = 0;
  auto collect = [&] {
    for (size_t i = 0; i < records.size(); ++i) {
      auto& future = pending[i];
      if (!future.valid() || future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) continue;
      auto r = future.get();
      LORAG_CHECK(r.finish_reason != "error", Error, "prompt ", i + 1, ": ", r.error);
      totals.prompt_tokens += r.prompt_tokens;
      totals.generated_tokens += r.completion_tokens;
      finished[i] = std::move(r);
      if (++done % std::max<int64_t>(engine_config.parallel, 1) == 0 || done == records.size()) {
        log::info(done, "/", records.size(), " prompts done");
      }
    }
    for (; handed < records.size() && finished[handed]; ++handed) on_row(handed, adapter_of[handed], *finished[handed]);
  };
  while (engine->step()) collect();
  collect();
  const auto stats = engine->stats();
  totals.prefill_seconds = stats.prefill_seconds;
  totals.decode_seconds = stats.decode_seconds;
  return totals;
}

}  // namespace lorag::infer
