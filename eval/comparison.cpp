// SPDX-License-Identifier: Apache-2.0
// Scoring answers, per-system summaries and paired tests (eval/).
#include "eval/comparison.h"

#include <algorithm>
#include <map>
#include <set>

#include "model/core/error.h"
#include "eval/metrics.h"

namespace lorag::eval {
namespace {

constexpr MetricInfo kMetrics[] = {
    {Metric::kExactMatch, "exact_match", "EM", +1, true,
     "1 when the normalised answer equals a normalised reference answer (SQuAD exact match)."},
    {Metric::kTokenF1, "token_f1", "F1", +1, true,
     "SQuAD token F1: overlap of the bags of normalised tokens, best over the reference answers."},
    {Metric::kRougeL, "rouge_l", "ROUGE-L", +1, true,
     "ROUGE-L F-measure: longest common subsequence of normalised tokens (no stemming)."},
    {Metric::kAbstained, "abstained", "abstained", 0, true,
     "1 when the answer declines to answer (empty, or contains a phrase such as "
     "\"not enough information\"), on every question."},
    {Metric::kCorrectAbstention, "correct_abstention", "abst. ok", +1, true,
     "On questions without a reference answer (unanswerable): 1 when the system abstained."},
    {Metric::kHitAtK, "hit_at_k", "hit@k", +1, true,
     "1 when a gold document is among the first k retrieved chunks (retrieval systems, questions with doc_ids)."},
    {Metric::kRecallAtK, "recall_at_k", "recall@k", +1, true,
     "Share of the distinct gold documents among the first k retrieved chunks."},
    {Metric::kJudgeScore, "judge_score", "judge", +1, false,
     "Judge model's grade from 1 (wrong) to 5 (correct and complete) against the reference."},
    {Metric::kLatency, "latency_s", "latency s", -1, false, "Seconds from prompt to finished answer."},
    {Metric::kTokensPerSecond, "tokens_per_s", "tok/s", +1, false,
     "Tokens generated divided by the answer's latency, averaged over answers."},
};
static_assert(std::size(kMetrics) == kMetricCount);

void set(ScoredAnswer& row, Metric m, std::optional<double> v) { row.metrics[static_cast<std::size_t>(m)] = v; }

}  // namespace

const MetricInfo& metric_info(Metric metric) { return kMetrics[static_cast<std::size_t>(metric)]; }
std::span<const MetricInfo> all_metrics() { return kMetrics; }

std::string metric_label(Metric metric, int64_t k) {
  std::string label = metric_info(metric).label;
  if (auto at = label.find("@k"); at != std::string::npos) label.replace(at + 1, 1, std::to_string(k));
  return label;
}

ScoredAnswer score_answer(const Question& question, const SystemAnswer& answer, const EvalConfig& config) {
  ScoredAnswer row;
  row.answer = answer;
  const bool abstained = is_abstention(answer.answer, config.abstain_phrases);
  set(row, Metric::kExactMatch, best_exact_match(answer.answer, question.answers));
  set(row, Metric::kTokenF1, best_token_f1(answer.answer, question.answers));
  set(row, Metric::kRougeL, best_rouge_l(answer.answer, question.answers));
  set(row, Metric::kAbstained, abstained ? 1.0 : 0.0);
  if (!question.answerable()) set(row, Metric::kCorrectAbstention, abstained ? 1.0 : 0.0);
  if (answer.uses_retrieval) {
    std::vector<std::string> retrieved;
    for (const auto& s : answer.sources) retrieved.push_back(s.doc_id);
    set(row, Metric::kHitAtK, hit_at_k(retrieved, question.doc_ids, config.k));
    set(row, Metric::kRecallAtK, recall_at_k(retrieved, question.doc_ids, config.k));
  }
  if (answer.judge && question.answerable()) set(row, Metric::kJudgeScore, answer.judge->score);
  if (answer.latency_s > 0) {
    set(row, Metric::kLatency, answer.latency_s);
    set(row, Metric::kTokensPerSecond, answer.tokens_generated / answer.latency_s);
  }
  return row;
}

const SystemSummary* Comparison::find(const std::string& system, Metric metric) const {
  for (const auto& s : summaries) {
    if (s.system == system && s.metric == metric) return &s;
  }
  return nullptr;
}

const ScoredAnswer* Comparison::row(std::size_t q, const std::string& system) const {
  for (const auto& r : rows) {
    if (r.answer.question == q && r.answer.system == system) return &r;
  }
  return nullptr;
}

std::vector<Metric> Comparison::metrics() const {
  std::vector<Metric> out;
  for (const auto& info : all_metrics()) {
    const bool any = std::any_of(summaries.begin(), summaries.end(),
                                 [&](const SystemSummary& s) { return s.metric == info.metric; });
    if (any) out.push_back(info.metric);
  }
  return out;
}

namespace {

// Per system, the metric's value on each question index (nullopt where missing).
using Column = std::vector<std::optional<double>>;

Column column(const Comparison& c, const std::string& system, Metric m) {
  Column out(c.questions.size());
  for (const auto& r : c.rows) {
    if (r.answer.system == system) out[r.answer.question] = r[m];
  }
  return out;
}

void summarise(Comparison& c) {
  const EvalConfig& cfg = c.config;
  for (const auto& system : c.systems) {
    for (const auto& info : all_metrics()) {
      std::vector<double> values;
      for (const auto& v : column(c, system, info.metric)) {
        if (v) values.push_back(*v);
      }
      if (values.empty()) continue;
      const uint64_t seed = derive_seed(cfg.seed, system, info.key);
      c.summaries.push_back(
          {system, info.metric, bootstrap_mean_ci(values, cfg.bootstrap_resamples, cfg.confidence, seed)});
    }
  }
  for (const auto& info : all_metrics()) {
    for (std::size_t i = 0; i < c.systems.size(); ++i) {
      const Column a = column(c, c.systems[i], info.metric);
      for (std::size_t j = i + 1; j < c.systems.size(); ++j) {
        const Column b = column(c, c.systems[j], info.metric);
        std::vector<double> va, vb;
        for (std::size_t q = 0; q < a.size(); ++q) {
          if (a[q] && b[q]) {
            va.push_back(*a[q]);
            vb.push_back(*b[q]);
          }
        }
        if (va.empty()) continue;
        const uint64_t seed = derive_seed(cfg.seed, c.systems[i] + "|" + c.systems[j], info.key, "paired");
        c.pairs.push_back({c.systems[i], c.systems[j], info.metric,
                           paired_test(va, vb, cfg.bootstrap_resamples, cfg.permutations, cfg.confidence,
                                       cfg.alpha, seed)});
      }
    }
  }
}

}  // namespace

Comparison compare_systems(std::vector<Question> questions, std::vector<SystemAnswer> answers,
                           const EvalConfig& config) {
  config.validate();
  Comparison c;
  c.config = config;
  c.questions = std::move(questions);
  std::map<std::string, std::size_t> order;
  std::set<std::pair<std::string, std::size_t>> seen;
  for (const auto& a : answers) {
    LORAG_CHECK(a.question < c.questions.size(), Error, "compare: answer from system '", a.system,
                "' names question index ", a.question, ", but there are ", c.questions.size(), " questions");
    LORAG_CHECK(seen.emplace(a.system, a.question).second, Error, "compare: system '", a.system,
                "' answered question '", c.questions[a.question].id, "' twice");
    if (order.emplace(a.system, c.systems.size()).second) c.systems.push_back(a.system);
  }
  std::stable_sort(answers.begin(), answers.end(), [&](const SystemAnswer& x, const SystemAnswer& y) {
    return std::pair(x.question, order[x.system]) < std::pair(y.question, order[y.system]);
  });
  c.rows.reserve(answers.size());
  for (const auto& a : answers) c.rows.push_back(score_answer(c.questions[a.question], a, config));
  summarise(c);
  return c;
}

}  // namespace lorag::eval
