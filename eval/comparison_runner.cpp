// SPDX-License-Identifier: Apache-2.0
#include "eval/comparison_runner.h"

#include <algorithm>
#include <optional>

#include "model/core/error.h"
#include "model/core/timer.h"
#include "eval/judge.h"

namespace lorag::eval {
namespace {

bool uses_adapter(const std::string& system) { return system == kSystemFinetuned || system == kSystemHybrid; }
bool uses_store(const std::string& system) { return system == kSystemRag || system == kSystemHybrid; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::vector<std::string> chosen_systems(const CompareConfig& config, bool has_adapter, bool has_store) {
  const auto allowed = available_systems(has_adapter, has_store);
  if (config.systems.empty()) return allowed;
  const std::vector<std::string> known = {kSystemBase, kSystemRag, kSystemFinetuned, kSystemHybrid};
  for (const auto& s : config.systems) {
    LORAG_CHECK(std::find(known.begin(), known.end(), s) != known.end(), UsageError, "unknown system '", s,
                "' (known: ", join(known), ")");
    LORAG_CHECK(std::find(allowed.begin(), allowed.end(), s) != allowed.end(), UsageError, "system '", s,
                "' needs ", uses_adapter(s) && uses_store(s) ? "--adapter and --store" : uses_adapter(s) ? "--adapter" : "--store",
                " (systems these inputs allow: ", join(allowed), ")");
  }
  std::vector<std::string> out;  // report order, whatever order they were asked in
  for (const auto& s : allowed) {
    if (std::find(config.systems.begin(), config.systems.end(), s) != config.systems.end()) out.push_back(s);
  }
  return out;
}

// The question alone, through the chat template with the closed-book system prompt.
SystemAnswer closed_book(const Question& q, std::size_t index, CompareModel& model,
                               const CompareConfig& config) {
  Timer timer;
  auto generate = config.answer.generate;
  for (int64_t id : model.formatter->end_of_turn_ids()) generate.stop_token_ids.push_back(id);
  const auto ids = model.formatter->encode_prompt(q.question, config.closed_book_system);
  const auto result = model.generator->generate({ids}, generate).front();
  SystemAnswer out;
  out.question = index;
  out.answer = result.text;
  out.tokens_generated = static_cast<int64_t>(result.token_ids.size());
  out.latency_s = timer.seconds();
  return out;
}

SystemAnswer grounded(const Question& q, std::size_t index, rag::answer::Answerer& answerer) {
  const rag::answer::Answer a = answerer.answer(q.question);
  SystemAnswer out;
  out.question = index;
  out.answer = a.text;
  out.uses_retrieval = true;
  for (const auto& hit : a.sources) out.sources.push_back({hit.chunk.doc_id, hit.score});
  out.tokens_generated = a.generated_tokens;
  out.latency_s = a.total_seconds;
  return out;
}

}  // namespace

std::vector<std::string> available_systems(bool has_adapter, bool has_store) {
  std::vector<std::string> out = {kSystemBase};
  if (has_store) out.push_back(kSystemRag);
  if (has_adapter) out.push_back(kSystemFinetuned);
  if (has_adapter && has_store) out.push_back(kSystemHybrid);
  return out;
}

std::vector<SystemAnswer> run_systems(const std::vector<Question>& questions, CompareModel& model,
                                            const CompareStore& store, const CompareConfig& config,
                                            const CompareProgress& progress) {
  LORAG_ASSERT(model.formatter && model.generator, "compare needs a formatter and a generator");
  const bool has_store = store.embedder != nullptr && store.store != nullptr;
  const auto systems = chosen_systems(config, model.adapters != nullptr, has_store);
  std::optional<rag::answer::Answerer> answerer;
  if (has_store) {
    answerer.emplace(model.net, model.tokenizer, *model.formatter, *model.generator, *store.embedder, *store.store,
                     config.answer);
  }
  std::vector<SystemAnswer> answers;
  for (const auto& system : systems) {
    if (model.adapters) model.adapters->select(uses_adapter(system) ? "" : adapters::kBaseAdapter);
    for (std::size_t i = 0; i < questions.size(); ++i) {
      auto answer = uses_store(system) ? grounded(questions[i], i, *answerer) : closed_book(questions[i], i, model, config);
      answer.system = system;
      if (progress) progress(system, i, questions.size(), answer);
      answers.push_back(std::move(answer));
    }
  }
  if (model.adapters) model.adapters->select("");
  return answers;
}

void grade_with_judge(const std::vector<Question>& questions, std::vector<SystemAnswer>& answers,
                      const infer::PromptFormatter& formatter, infer::Generator& generator, int64_t max_new_tokens,
                      const CompareProgress& progress) {
  infer::GenerateConfig generate;  // greedy: the same answer gets the same grade
  generate.max_new_tokens = max_new_tokens;
  generate.stop_token_ids = formatter.end_of_turn_ids();
  for (auto& answer : answers) {
    const auto& q = questions.at(answer.question);
    if (!q.answerable()) continue;
    const auto ids = formatter.encode_chat(judge_messages(q.question, q.answers.front(), answer.answer));
    answer.judge_reply = generator.generate({ids}, generate).front().text;
    answer.judge = parse_judge_reply(answer.judge_reply);
    if (progress) progress(answer.system, answer.question, questions.size(), answer);
  }
}

}  // namespace lorag::eval
