// SPDX-License-Identifier: Apache-2.0
// `lorag chat`: a multi-turn conversation on stdin/stdout.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/model_session.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/text/chat_template.h"

namespace lorag::cli {
namespace {

// Sampling defaults for conversation: a touch of randomness reads better than greedy.
infer::GenerateConfig chat_defaults() {
  infer::GenerateConfig c;
  c.max_new_tokens = 512;
  c.temperature = 0.7;
  c.top_p = 0.9;
  c.repetition_penalty = 1.05;
  return c;
}

// "/adapter NAME": later turns use NAME (the history stays); "/adapter" alone says
// which is active. A bad name is reported and the chat goes on.
void switch_adapter(ModelSession& session, const std::string& name) {
  try {
    if (!name.empty()) select_adapter(session, name);
  } catch (const Error& e) {  // unknown name, or an adapter that does not fit: keep chatting
    log::warn(log::user_message(e));
  }
  log::info("adapter: ", session.adapters ? session.adapters->active() : std::string(adapters::kBaseAdapter));
}

// Tokens of the conversation's slot when --ctx-size is 0 (llama.cpp's default),
// within the model's context.
constexpr int64_t kChatContext = 4096;

}  // namespace

int run_chat(const Args& args) {
  ModelOptions model;
  infer::GenerateConfig config = chat_defaults();
  infer::EngineConfig engine_config;
  AdapterOptions adapter;
  bool strip = false;
  po::options_description all;
  all.add(model_options(model)).add(adapter_options(adapter)).add(generation_options(config, engine_config));
  all.add_options()("strip-thinking", po::bool_switch(&strip),
                    "leave <think>...</think> reasoning out of the shown answers (printed when complete)");
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("chat", "Talks to a model. Type a message and Enter; /reset clears the conversation, "
                        "/exit (or Ctrl-D) leaves, /adapter NAME switches adapters (with several --adapter).", all);
    return 0;
  }
  config.validate();
  engine_config.validate();
  validate_adapter_options(adapter);
  auto session = open_session(model);
  load_adapters(session, adapter);
  config.stop_token_ids = session.formatter->end_of_turn_ids();
  // One slot for the whole conversation: each turn reuses the keys/values of the
  // earlier ones and only runs its new tokens.
  const int64_t context = std::min<int64_t>(session.model.config.context_length(),
                                engine_config.ctx_size > 0 ? engine_config.ctx_size : kChatContext);
  engine_config.ctx_size = context;
  auto engine = infer::make_engine(session, engine_config, 1, 0);
  const bool interactive = ::isatty(STDIN_FILENO);
  std::vector<model::text::ChatMessage> history;
  if (!model.system.empty()) history.push_back({"system", model.system});
  const size_t base = history.size();
  std::string line;
  while (true) {
    if (interactive) std::cerr << "> " << std::flush;
    if (!std::getline(std::cin, line)) break;  // Ctrl-D
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      history.resize(base);
      log::info("conversation cleared");
      continue;
    }
    if (line.rfind("/adapter", 0) == 0 && (line.size() == 8 || line[8] == ' ')) {
      switch_adapter(session, line.size() > 9 ? line.substr(9) : "");
      continue;
    }
    if (line.empty()) continue;
    history.push_back({"user", line});
    auto ids = session.formatter->encode_chat(history);
    // Forget the oldest turns (never the system prompt) once the context would overflow.
    while (static_cast<int64_t>(ids.size()) + config.max_new_tokens > context && history.size() > base + 1) {
      history.erase(history.begin() + base, history.begin() + std::min(history.size() - 1, base + 2));
      ids = session.formatter->encode_chat(history);
      log::warn("conversation too long for the context: dropped the oldest turn");
    }
    LORAG_CHECK(static_cast<int64_t>(ids.size()) < context, UsageError, "message of ", ids.size(),
                " tokens does not fit the context of ", context, " tokens (hint: raise --ctx-size)");
    const auto before = engine->stats();
    auto submitted = engine->submit(
        {.prompt = ids,
         .config = config,
         .adapter = session.adapters ? session.adapters->active() : std::string(adapters::kBaseAdapter),
         .on_token = [&](const infer::StreamChunk& chunk) {
           if (!strip) std::cout << chunk.text << std::flush;
           return infer::StreamAction::kContinue;
         }});
    engine->run_until_idle();
    auto result = submitted.result.get();
    LORAG_CHECK(result.finish_reason != "error", Error, result.error);
    if (strip) std::cout << model::text::strip_thinking(result.text);
    std::cout << std::endl;
    history.push_back({"assistant", result.text});
    if (interactive) {
      const auto after = engine->stats();
      log::info("reused ", result.reused_tokens, " of ", result.prompt_tokens, " prompt tokens");
      report_speed(session, {.prompt_tokens = result.prompt_tokens - result.reused_tokens,
                             .generated_tokens = result.completion_tokens,
                             .prefill_seconds = after.prefill_seconds - before.prefill_seconds,
                             .decode_seconds = after.decode_seconds - before.decode_seconds});
    }
  }
  return 0;
}

}  // namespace lorag::cli
