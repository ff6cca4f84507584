// SPDX-License-Identifier: Apache-2.0
// `lorag compare`: the same questions through base, base + RAG, fine-tuned and
// hybrid systems (as far as the inputs allow), scored against the references
// and written as results.jsonl, report.md and report.html.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/adapter_options.h"
#include "cli/commands.h"
#include "cli/model_session.h"
#include "cli/rag_options.h"
#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "eval/comparison_runner.h"
#include "rag/document_store.h"
#include "rag/encoder/sentence_embedder.h"
#include "eval/report_text.h"
#include "eval/report_writer.h"

namespace lorag::cli {
namespace {

struct CompareFlags {
  std::string questions;               // questions JSONL
  std::string out;                     // report folder
  std::string store;                   // document store folder; empty = no RAG systems
  std::vector<std::string> systems;    // subset to run
  std::string judge_model;             // optional judge model
  int64_t judge_max_new_tokens = 64;
};

po::options_description compare_options(CompareFlags& f, eval::EvalConfig& config) {
  po::options_description d("compare");
  d.add_options()
      ("questions", po::value(&f.questions)->required(),
       "JSONL: {\"question\", \"answer\"?, \"doc_ids\"?, \"id\"?} per line")
      ("out", po::value(&f.out)->required(), "report folder (results.jsonl, report.md, report.html)")
      ("store", po::value(&f.store), "document store folder (adds the rag and hybrid systems)")
      ("systems", po::value(&f.systems)->multitoken(), "run only these: base, rag, finetuned, hybrid")
      ("judge-model", po::value(&f.judge_model), "a model that grades answers 1-5 against the references")
      ("judge-max-new-tokens", po::value(&f.judge_max_new_tokens)->default_value(f.judge_max_new_tokens),
       "tokens per judge reply")
      ("k", po::value(&config.k)->default_value(config.k), "cut-off of hit@k and recall@k")
      ("bootstrap", po::value(&config.bootstrap_resamples)->default_value(config.bootstrap_resamples),
       "bootstrap resamples per confidence interval")
      ("eval-seed", po::value(&config.seed)->default_value(config.seed), "seed of the bootstrap and permutation tests");
  return d;
}

void log_answer(const std::string& system, std::size_t i, std::size_t total, const eval::SystemAnswer& a) {
  log::info("[", system, " ", i + 1, "/", total, "] ", a.tokens_generated, " tokens in ", a.latency_s, " s");
}

}  // namespace

int run_compare(const Args& args) {
  ModelOptions model;
  AdapterOptions adapters;
  infer::GenerateConfig generate;
  generate.max_new_tokens = 96;  // short answers: the references are a phrase or a sentence
  CompareFlags flags;
  EmbedderOptions embedder_flags;
  RetrieveOptions retrieve;
  retrieve.config = rag::answer::AnswerConfig::default_retrieve();  // top-k 4
  eval::EvalConfig eval_config;
  po::options_description options("lorag compare");
  options.add(model_options(model)).add(adapter_options(adapters));
  options.add(compare_options(flags, eval_config)).add(embedder_options(embedder_flags)).add(retrieve_options(retrieve));
  options.add(rag_generation_options(generate));
  po::variables_map vm;
  if (!parse_options(args, options, {}, vm)) {
    print_usage("compare", "compare base, RAG, fine-tuned and hybrid answers on a question set", options);
    return 0;
  }
  validate_adapter_options(adapters);
  // The base systems run with the adapter switched off, which a merged adapter cannot be.
  LORAG_CHECK(!adapters.merge, UsageError, "--merge: compare keeps the adapter attached to switch it off for the base systems");
  finish_retrieve_options(retrieve);
  eval_config.validate();
  check_can_write_into(flags.out);  // before any answer is generated (issue #18)
  const auto questions = eval::read_questions(flags.questions);
  log::info("compare: ", questions.size(), " questions from ", flags.questions);

  ModelSession session = open_session(model);
  load_adapters(session, adapters);
  std::unique_ptr<rag::Embedder> embedder;
  std::optional<rag::DocumentStore> store;
  if (!flags.store.empty()) {
    embedder = load_embedder(embedder_flags);
    store.emplace(rag::DocumentStore::open(flags.store, *embedder));
  }

  eval::CompareConfig config;
  config.answer.generate = generate;
  config.answer.retrieve = retrieve.config;
  // --system replaces the instructions of every system, grounded (as in `lorag ask`) and closed-book.
  if (!model.system.empty()) config.closed_book_system = config.answer.prompt.system = model.system;
  config.systems = flags.systems;
  eval::CompareModel cm{session.model.net, session.model.tokenizer, session.formatter.get(), session.generator.get(),
                       session.adapters.get()};
  eval::CompareStore cs{embedder.get(), store ? &*store : nullptr};
  auto answers = eval::run_systems(questions, cm, cs, config, log_answer);

  if (!flags.judge_model.empty()) {
    ModelOptions judge_options = model;
    judge_options.model = flags.judge_model;
    judge_options.system.clear();
    ModelSession judge = open_session(judge_options);
    eval::grade_with_judge(questions, answers, *judge.formatter, *judge.generator, flags.judge_max_new_tokens,
                          [](const std::string& system, std::size_t i, std::size_t, const eval::SystemAnswer& a) {
                            log::info("[judge ", system, " q", i + 1, "] ", a.judge ? std::to_string(a.judge->score) : "unparsed");
                          });
  }

  const auto comparison = eval::compare_systems(questions, std::move(answers), eval_config);
  eval::write_report(flags.out, comparison);
  std::cout << eval::format_summary_table(comparison) << std::flush;
  log::info("report: ", (std::filesystem::path(flags.out) / "report.html").string());
  return 0;
}

}  // namespace lorag::cli
