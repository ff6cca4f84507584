// SPDX-License-Identifier: Apache-2.0
// `lorag ask`: grounded answers from a document store with any model (and LoRA
// adapters): one question from the command line, or a loop over stdin lines.
#include <cstdio>
#include <iostream>

#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/model_session.h"
#include "cli/rag_options.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "rag/answer/answerer.h"
#include "rag/document_store.h"

namespace lorag::cli {
namespace {

struct AskOptions {
  std::string store;  // store directory
  EmbedderOptions embedder;
  RetrieveOptions retrieve;
  bool json = false;
  bool prompt_only = false;
  std::string question;
};

po::options_description answer_options(AskOptions& o, rag::answer::AnswerConfig& c) {
  po::options_description d("Answer");
  d.add_options()
      ("cut-passage", po::bool_switch(&c.cut_passage),
       "cut the first passage that does not fit the context at a token boundary instead of dropping it")
      ("json", po::bool_switch(&o.json), "print one JSON object per answer (answer, sources, tokens, latency)")
      ("prompt-only", po::bool_switch(&o.prompt_only),
       "print the grounded prompt the model would get (after fitting) and its sources; generate nothing")
      ("question", po::value(&o.question), "the question (positional); none = read questions from stdin");
  return d;
}

void print_sources(const std::vector<rag::Hit>& sources) {
  std::cout << "\n\nSources:\n";
  if (sources.empty()) std::cout << "(none)\n";
  for (size_t i = 0; i < sources.size(); ++i) {
    const auto& c = sources[i].chunk;
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", sources[i].score);
    std::cout << "[" << i + 1 << "] " << c.doc_id;
    if (!c.title.empty() && c.title != c.doc_id) std::cout << " \"" << c.title << "\"";
    std::cout << " (score " << score << ")\n";
  }
  std::cout << std::flush;
}

void report(const rag::answer::Answer& a) {
  char line[256];
  std::snprintf(line, sizeof line,
                "retrieved %lld, used %zu, dropped %lld | prompt %lld tok, answer %lld tok | "
                "embed %.3f s, retrieve %.3f s, generate %.2f s",
                static_cast<long long>(a.retrieved), a.sources.size(), static_cast<long long>(a.dropped),
                static_cast<long long>(a.prompt_tokens), static_cast<long long>(a.generated_tokens),
                a.embed_seconds, a.retrieve_seconds, a.generate_seconds);
  log::info(line);
}

}  // namespace

int run_ask(const Args& args) {
  ModelOptions model;
  AdapterOptions adapter;
  AskOptions ask;
  rag::answer::AnswerConfig config;
  po::options_description all;
  ask.retrieve.config = config.retrieve;  // top-k 4
  all.add(model_options(model)).add(adapter_options(adapter)).add(store_options(ask.store)).add(embedder_options(ask.embedder));
  all.add(retrieve_options(ask.retrieve)).add(answer_options(ask, config)).add(rag_generation_options(config.generate));
  po::positional_options_description positional;
  positional.add("question", 1);
  po::variables_map vm;
  if (!parse_options(args, all, positional, vm)) {
    print_usage("ask", "Answers QUESTION from the passages of a document store, citing them as [n], then lists "
                       "the sources. Without QUESTION, reads one question per line from stdin (exit, quit or "
                       "Ctrl-D to leave).\n\n  lorag ask --store DIR [--model M] [options] [QUESTION]", all);
    return 0;
  }
  validate_adapter_options(adapter);
  finish_retrieve_options(ask.retrieve);
  config.retrieve = ask.retrieve.config;
  if (!model.system.empty()) config.prompt.system = model.system;
  config.validate();
  // A missing store or embedder is reported before the model loads.
  rag::DocumentStore::embedder_of(ask.store);
  const auto embedder = load_embedder(ask.embedder);
  const auto store = rag::DocumentStore::open(ask.store, *embedder);
  log::info("store ", ask.store, ": ", store.stats().documents, " documents, ", store.stats().chunks,
            " chunks; embedder ", embedder->name());
  auto session = open_session(model);
  // Hybrid RAG + fine-tune: the adapter (attached or merged) changes the model the Answerer generates with.
  load_adapters(session, adapter);
  rag::answer::Answerer answerer(session.model.net, session.model.tokenizer, *session.formatter, *session.generator,
                         *embedder, store, config);

  auto answer_one = [&](const std::string& question) {
    if (ask.prompt_only) {
      const auto found = answerer.retrieve(question);
      const auto prompt = answerer.build_prompt(question, found.hits);
      const auto text = session.model.tokenizer->decode(prompt.ids, /*skip_special=*/false);
      if (ask.json) {
        std::cout << nlohmann::json({{"question", question}, {"prompt", text}, {"prompt_tokens", prompt.ids.size()},
                                     {"retrieved", found.hits.size()}, {"dropped", prompt.context.dropped},
                                     {"cut", prompt.context.cut},
                                     {"sources", rag::answer::sources_to_json(prompt.context.passages)}})
                         .dump()
                  << std::endl;
      } else {
        std::cout << text;
        print_sources(prompt.context.passages);
      }
      return;
    }
    rag::answer::Answer a;
    if (ask.json) {
      a = answerer.answer(question);
      std::cout << a.to_json().dump() << std::endl;
    } else {
      a = answerer.answer(question, [](size_t, const std::string& text) { std::cout << text << std::flush; });
      print_sources(a.sources);
    }
    report(a);
  };
  if (vm.count("question")) {
    answer_one(ask.question);
    return 0;
  }
  std::string line;
  while (true) {
    std::cerr << "question> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    line = line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
    if (line == "exit" || line == "quit") break;
    answer_one(line);
    if (!ask.json) std::cout << std::endl;
  }
  return 0;
}

}  // namespace lorag::cli
