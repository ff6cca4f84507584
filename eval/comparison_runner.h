// SPDX-License-Identifier: Apache-2.0
// Runs the systems `lorag compare` compares (eval/): the same questions,
// the same sampling settings, through the base model, base + RAG, the fine-tuned
// model (a LoRA adapter) and fine-tuned + RAG (hybrid), as far as the inputs
// allow; and, optionally, a judge model grading the answers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/inference_adapters.h"
#include "infer/generator.h"
#include "infer/prompt_formatter.h"
#include "rag/answer/answerer.h"
#include "eval/comparison.h"
#include "eval/question.h"

namespace lorag::eval {

// System names, in report order.
inline constexpr const char* kSystemBase = "base";
inline constexpr const char* kSystemRag = "rag";
inline constexpr const char* kSystemFinetuned = "finetuned";
inline constexpr const char* kSystemHybrid = "hybrid";

// The model under comparison. Borrowed: the caller keeps every piece alive.
struct CompareModel {
  model::CausalLM net{nullptr};
  std::shared_ptr<const model::text::Tokenizer> tokenizer;
  const infer::PromptFormatter* formatter = nullptr;
  infer::Generator* generator = nullptr;
  // Loaded adapters (their default is the fine-tuned system); null = no adapter.
  adapters::InferenceAdapters* adapters = nullptr;
};

// Retrieval for the RAG systems; both null = no store.
struct CompareStore {
  const rag::Embedder* embedder = nullptr;
  const rag::DocumentStore* store = nullptr;
};

struct CompareConfig {
  rag::answer::AnswerConfig answer;  // retrieval, grounded prompt and generation settings (shared by every system)
  // System prompt of the systems without retrieval; it allows the same
  // abstention the grounded prompt asks for, so abstaining is comparable.
  std::string closed_book_system =
      "Answer the question briefly and factually in one or two sentences. "
      "If you do not know the answer, say that you do not have enough information.";
  std::vector<std::string> systems;  // a subset to run, e.g. {"rag", "hybrid"}; empty = all the inputs allow
};

// The systems the inputs allow, in report order: base always; rag with a store;
// finetuned with an adapter; hybrid with both.
std::vector<std::string> available_systems(bool has_adapter, bool has_store);

// Called after each answer: (system, question index, questions, the answer).
using CompareProgress =
    std::function<void(const std::string& system, std::size_t index, std::size_t total, const SystemAnswer&)>;

// Answers every question with every system (system by system, so adapters
// switch once per system), timing each answer. Throws UsageError naming a
// system that is unknown or that the inputs do not allow; errors of the
// generator and store propagate. The adapters are left on their default.
std::vector<SystemAnswer> run_systems(const std::vector<Question>& questions, CompareModel& model,
                                            const CompareStore& store, const CompareConfig& config,
                                            const CompareProgress& progress = {});

// Grades every answer that has reference answers with a judge model (greedy,
// `max_new_tokens` per grade), filling SystemAnswer::judge and judge_reply.
// Answers to unanswerable questions are not graded (the abstention metrics
// cover them). `progress` is called after each grade.
void grade_with_judge(const std::vector<Question>& questions, std::vector<SystemAnswer>& answers,
                      const infer::PromptFormatter& formatter, infer::Generator& generator, int64_t max_new_tokens,
                      const CompareProgress& progress = {});

}  // namespace lorag::eval
