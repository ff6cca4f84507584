// SPDX-License-Identifier: Apache-2.0
// results.jsonl, summary.json, report.md and report.html (eval/).
#include "eval/report_writer.h"

#include <cmath>
#include <system_error>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "eval/report_html.h"
#include "eval/report_text.h"

namespace lorag::eval {
namespace {

// NaN has no JSON spelling; it becomes null.
nlohmann::json number(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

}  // namespace

nlohmann::json result_row(const Comparison& c, const ScoredAnswer& row) {
  const Question& q = c.questions[row.answer.question];
  const SystemAnswer& a = row.answer;
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : a.sources) sources.push_back({{"doc_id", s.doc_id}, {"score", s.score}});
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& info : all_metrics()) {
    if (row[info.metric]) metrics[info.key] = number(*row[info.metric]);
  }
  nlohmann::json out = {{"question_id", q.id},
                        {"question", q.question},
                        {"references", q.answers},
                        {"gold_doc_ids", q.doc_ids},
                        {"system", a.system},
                        {"answer", a.answer},
                        {"uses_retrieval", a.uses_retrieval},
                        {"sources", std::move(sources)},
                        {"latency_s", a.latency_s},
                        {"tokens_generated", a.tokens_generated},
                        {"metrics", std::move(metrics)},
                        {"judge", nullptr}};
  if (a.judge) out["judge"] = {{"score", a.judge->score}, {"reason", a.judge->reason}};
  if (!a.judge_reply.empty()) out["judge_reply"] = a.judge_reply;
  return out;
}

std::string render_results_jsonl(const Comparison& c) {
  std::string out;
  for (const auto& row : c.rows) {
    // Invalid UTF-8 in a generated answer must not abort the report: replace it.
    out += result_row(c, row).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

nlohmann::json summary_json(const Comparison& c) {
  const EvalConfig& cfg = c.config;
  nlohmann::json out = {{"config",
                         {{"k", cfg.k},
                          {"bootstrap_resamples", cfg.bootstrap_resamples},
                          {"permutations", cfg.permutations},
                          {"confidence", cfg.confidence},
                          {"alpha", cfg.alpha},
                          {"seed", cfg.seed},
                          {"abstain_phrases", cfg.abstain_phrases}}},
                        {"questions", c.questions.size()},
                        {"systems", c.systems}};
  nlohmann::json summaries = nlohmann::json::object();
  for (const auto& s : c.summaries) {
    summaries[s.system][metric_info(s.metric).key] = {
        {"n", s.ci.n}, {"mean", number(s.ci.mean)}, {"low", number(s.ci.low)}, {"high", number(s.ci.high)}};
  }
  out["summary"] = std::move(summaries);
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& p : c.pairs) {
    pairs.push_back({{"metric", metric_info(p.metric).key},
                     {"a", p.system_a},
                     {"b", p.system_b},
                     {"n", p.test.n},
                     {"mean_diff", number(p.test.mean_diff)},
                     {"diff_low", number(p.test.diff_low)},
                     {"diff_high", number(p.test.diff_high)},
                     {"p_value", p.test.p_value},
                     {"exact", p.test.exact},
                     {"significant", p.test.significant}});
  }
  out["pairs"] = std::move(pairs);
  return out;
}

void write_report(const std::filesystem::path& dir, const Comparison& c) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  LORAG_CHECK(!ec && std::filesystem::is_directory(dir), IoError, dir.string(),
              ": cannot create the report folder: ", ec ? ec.message() : "not a directory");
  write_file_atomically(dir / "results.jsonl", render_results_jsonl(c));
  write_file_atomically(dir / "summary.json",
                        summary_json(c).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  write_file_atomically(dir / "report.md", render_markdown(c));
  write_file_atomically(dir / "report.html", render_html(c));
}

}  // namespace lorag::eval
