// SPDX-License-Identifier: Apache-2.0
// Comparing systems' answers to the same questions (eval/, torch-free): the
// records `lorag compare` feeds in, their per-question metrics, the per-system
// means with bootstrap CIs, and paired significance tests between systems.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "eval/bootstrap.h"
#include "eval/eval_config.h"
#include "eval/judge.h"
#include "eval/question.h"

namespace lorag::eval {

enum class Metric {
  kExactMatch,         // SQuAD exact match, answerable questions
  kTokenF1,            // SQuAD token F1, answerable questions
  kRougeL,             // ROUGE-L F-measure, answerable questions
  kAbstained,          // 1 when the answer declines to answer, every question
  kCorrectAbstention,  // 1 when the answer abstains, unanswerable questions only
  kHitAtK,             // gold doc among the first k sources, retrieval systems with gold ids
  kRecallAtK,          // share of gold docs among the first k sources
  kJudgeScore,         // judge model's grade 1-5, graded answers only
  kLatency,            // seconds per answer
  kTokensPerSecond,    // tokens generated / latency, per answer
  kCount,
};
inline constexpr std::size_t kMetricCount = static_cast<std::size_t>(Metric::kCount);

struct MetricInfo {
  Metric metric;
  const char* key;      // JSON key and identifier, e.g. "token_f1"
  const char* label;    // short column label, e.g. "F1" ("@k" is replaced by the k used)
  int direction;        // +1 higher is better, -1 lower is better, 0 neither
  bool unit_interval;   // values lie in [0, 1]
  const char* meaning;  // one sentence for the report's method section
};
const MetricInfo& metric_info(Metric metric);
// Every metric, in the order reports show them.
std::span<const MetricInfo> all_metrics();
// The label with "@k" filled in, e.g. "hit@5".
std::string metric_label(Metric metric, int64_t k);

// A retrieved chunk's document, in rank order.
struct Source {
  std::string doc_id;  // e.g. "hr/leave-policy"
  double score = 0;    // retrieval score, e.g. cosine 0.83
};

// One system's answer to one question, as the command records it.
struct SystemAnswer {
  std::string system;                // e.g. "base", "rag", "finetuned", "hybrid"
  std::size_t question = 0;          // index into the questions passed to compare_systems
  std::string answer;                // generated text
  bool uses_retrieval = false;       // the system retrieved (hit@k counts even with no sources)
  std::vector<Source> sources;       // retrieved chunks, best first
  double latency_s = 0;              // wall time of the answer in seconds; <= 0 = not measured
  int64_t tokens_generated = 0;      // new tokens, e.g. 42
  std::optional<JudgeGrade> judge;   // the judge's grade when a judge ran and its reply parsed
  std::string judge_reply;           // the judge's raw reply, kept for the results file
};

// An answer with its metrics; a metric without a value is undefined for it.
struct ScoredAnswer {
  SystemAnswer answer;
  std::array<std::optional<double>, kMetricCount> metrics{};

  const std::optional<double>& operator[](Metric m) const { return metrics[static_cast<std::size_t>(m)]; }
};

// The metrics of one answer to `question` under `config` (k, abstain phrases).
ScoredAnswer score_answer(const Question& question, const SystemAnswer& answer, const EvalConfig& config);

struct SystemSummary {
  std::string system;
  Metric metric;
  MeanCi ci;  // over the questions where the metric is defined for this system
};

struct PairComparison {
  std::string system_a;  // earlier in system order
  std::string system_b;
  Metric metric;
  PairedTest test;       // on A - B over questions where both have the metric
};

struct Comparison {
  EvalConfig config;
  std::vector<Question> questions;
  std::vector<std::string> systems;    // in order of first appearance in the answers
  std::vector<ScoredAnswer> rows;      // sorted by question, then system order
  std::vector<SystemSummary> summaries;  // system-major, metrics in all_metrics() order; defined ones only
  std::vector<PairComparison> pairs;     // per metric, each pair of systems with >= 1 common question

  // The summary of `system` on `metric`, or nullptr when undefined for it.
  const SystemSummary* find(const std::string& system, Metric metric) const;
  // The row of `system` on question index `q`, or nullptr when it did not answer.
  const ScoredAnswer* row(std::size_t q, const std::string& system) const;
  // Metrics defined for at least one system, in all_metrics() order.
  std::vector<Metric> metrics() const;
};

// Scores every answer and computes the summaries and paired tests. Validates
// `config` (ConfigError). Throws Error for an answer whose question index is out
// of range, or a second answer from one system to one question. A system need
// not answer every question; its missing answers are left out of its means and
// of its paired tests.
Comparison compare_systems(std::vector<Question> questions, std::vector<SystemAnswer> answers,
                           const EvalConfig& config);

}  // namespace lorag::eval
