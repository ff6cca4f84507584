// SPDX-License-Identifier: Apache-2.0
// `lorag chat`: a multi-turn conversation on stdin/stdout.
#include <unistd.h>

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
    log::warn(e.what());
  }
  log::info("adapter: ", session.adapters ? session.adapters->active() : std::string(adapters::kBaseAdapter));
}

}  // namespace

int run_chat(const Args& args) {
  ModelOptions model;
  infer::GenerateConfig config = chat_defaults();
  AdapterOptions adapter;
  bool strip = false;
  po::options_description all;
  all.add(model_options(model)).add(adapter_options(adapter)).add(generation_options(config));
  all.add_options()("strip-thinking", po::bool_switch(&strip),
                    "leave <think>...</think> reasoning out of the shown answers (printed when complete)");
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("chat", "Talks to a model. Type a message and Enter; /reset clears the conversation, "
                        "/exit (or Ctrl-D) leaves, /adapter NAME switches adapters (with several --adapter).", all);
    return 0;
  }
  config.validate();
  validate_adapter_options(adapter);
  auto session = open_session(model);
  load_adapters(session, adapter);
  config.stop_token_ids = session.formatter->end_of_turn_ids();
  const bool interactive = ::isatty(STDIN_FILENO);
  std::vector<text::ChatMessage> history;
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
    const auto context = session.model.config.context_length();
    while (static_cast<int64_t>(ids.size()) + config.max_new_tokens > context && history.size() > base + 1) {
      history.erase(history.begin() + base, history.begin() + std::min(history.size() - 1, base + 2));
      ids = session.formatter->encode_chat(history);
      log::warn("conversation too long for the context: dropped the oldest turn");
    }
    auto results = session.generator->generate({ids}, config, [&](size_t, const std::string& text) {
      if (!strip) std::cout << text << std::flush;
    });
    if (strip) std::cout << text::strip_thinking(results[0].text);
    std::cout << std::endl;
    history.push_back({"assistant", results[0].text});
    if (interactive) report_speed(session, session.generator->last_stats());
  }
  return 0;
}

}  // namespace lorag::cli
