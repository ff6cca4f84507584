// SPDX-License-Identifier: Apache-2.0
// Terminal summary table and report.md (eval/).
#include "eval/report_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace lorag::eval {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string signed_value(Metric m, double v) { return (v >= 0 ? "+" : "") + format_metric_value(m, v); }

std::string ci_cell(const SystemSummary* s) {
  if (!s) return "-";
  return format_metric_value(s->metric, s->ci.mean) + " [" + format_metric_value(s->metric, s->ci.low) + ", " +
         format_metric_value(s->metric, s->ci.high) + "]";
}

std::size_t answered(const Comparison& c, const std::string& system) {
  return std::count_if(c.rows.begin(), c.rows.end(), [&](const ScoredAnswer& r) { return r.answer.system == system; });
}

// "rag > base on F1: +0.250 (p=0.002)" for a significant pair.
std::string significance_line(const Comparison& c, const PairComparison& p) {
  const MetricInfo& info = metric_info(p.metric);
  const bool a_higher = p.test.mean_diff > 0;
  std::string verdict;
  if (info.direction == 0) {
    verdict = a_higher ? p.system_a + " > " + p.system_b : p.system_b + " > " + p.system_a;
  } else {
    const bool a_better = (info.direction > 0) == a_higher;
    verdict = a_better ? p.system_a + " better than " + p.system_b : p.system_b + " better than " + p.system_a;
  }
  return verdict + " on " + metric_label(p.metric, c.config.k) + ": " + p.system_a + " - " + p.system_b + " = " +
         signed_value(p.metric, p.test.mean_diff) + " (p=" + format_p_value(p.test.p_value) + ")";
}

// Markdown table cell: no pipes, newlines or HTML.
std::string md_cell(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '|': out += "\\|"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\n': out += "<br>"; break;
      case '\r': break;
      default: out += ch;
    }
  }
  return out;
}

std::string join_strings(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

void md_summary(std::ostringstream& out, const Comparison& c) {
  const auto metrics = c.metrics();
  out << "| system | n |";
  for (Metric m : metrics) out << ' ' << metric_label(m, c.config.k) << " |";
  out << "\n|---|---|";
  for (std::size_t i = 0; i < metrics.size(); ++i) out << "---|";
  out << '\n';
  for (const auto& s : c.systems) {
    out << "| " << md_cell(s) << " | " << answered(c, s) << " |";
    for (Metric m : metrics) out << ' ' << ci_cell(c.find(s, m)) << " |";
    out << '\n';
  }
}

void md_significance(std::ostringstream& out, const Comparison& c) {
  out << "| metric | A | B | n | A - B | " << format_percent(c.config.confidence) << "% CI | p | significant |\n"
      << "|---|---|---|---|---|---|---|---|\n";
  for (const auto& p : c.pairs) {
    out << "| " << metric_label(p.metric, c.config.k) << " | " << md_cell(p.system_a) << " | " << md_cell(p.system_b)
        << " | " << p.test.n << " | " << signed_value(p.metric, p.test.mean_diff) << " | ["
        << format_metric_value(p.metric, p.test.diff_low) << ", " << format_metric_value(p.metric, p.test.diff_high)
        << "] | " << format_p_value(p.test.p_value) << " | " << (p.test.significant ? "**yes**" : "no") << " |\n";
  }
}

void md_questions(std::ostringstream& out, const Comparison& c) {
  const Metric shown[] = {Metric::kExactMatch, Metric::kTokenF1, Metric::kRougeL, Metric::kAbstained,
                          Metric::kHitAtK, Metric::kJudgeScore};
  for (std::size_t q = 0; q < c.questions.size(); ++q) {
    const Question& question = c.questions[q];
    out << "\n### " << md_cell(question.id) << ": " << md_cell(question.question) << "\n\n";
    out << "Reference: " << (question.answerable() ? md_cell(join_strings(question.answers, " / ")) : "*(none: unanswerable)*");
    if (!question.doc_ids.empty()) out << "  \nGold documents: " << md_cell(join_strings(question.doc_ids, ", "));
    out << "\n\n| system | answer |";
    for (Metric m : shown) out << ' ' << metric_label(m, c.config.k) << " |";
    out << " sources |\n|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& s : c.systems) {
      const ScoredAnswer* r = c.row(q, s);
      if (!r) continue;
      out << "| " << md_cell(s) << " | " << md_cell(r->answer.answer) << " |";
      for (Metric m : shown) out << ' ' << ((*r)[m] ? format_metric_value(m, *(*r)[m]) : "-") << " |";
      std::vector<std::string> sources;
      for (const auto& src : r->answer.sources) sources.push_back(src.doc_id + " (" + fixed(src.score, 2) + ")");
      out << ' ' << md_cell(join_strings(sources, ", ")) << " |\n";
    }
  }
}

}  // namespace

std::string format_metric_value(Metric metric, double value) {
  if (std::isnan(value)) return "-";
  if (metric_info(metric).unit_interval) return fixed(value, 3);
  if (metric == Metric::kTokensPerSecond) return fixed(value, 1);
  return fixed(value, 2);
}

std::string format_percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", fraction * 100);
  return buf;
}

std::string format_p_value(double p) { return p < 0.001 ? "<0.001" : fixed(p, 3); }

std::string format_summary_table(const Comparison& c) {
  const auto metrics = c.metrics();
  std::vector<std::vector<std::string>> table;
  table.push_back({"system", "n"});
  for (Metric m : metrics) table[0].push_back(metric_label(m, c.config.k));
  for (const auto& s : c.systems) {
    std::vector<std::string> row{s, std::to_string(answered(c, s))};
    for (Metric m : metrics) row.push_back(ci_cell(c.find(s, m)));
    table.push_back(std::move(row));
  }
  std::vector<std::size_t> width(table[0].size(), 0);
  for (const auto& row : table) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::ostringstream out;
  for (const auto& row : table) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      cell.resize(width[i], ' ');
      line += (i ? "  " : "") + cell;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
  out << "(mean [" << format_percent(c.config.confidence) << "% bootstrap CI] over " << c.questions.size()
      << " questions; paired permutation tests at alpha " << fixed(c.config.alpha, 2) << ")\n";
  for (const auto& p : c.pairs) {
    if (p.test.significant) out << significance_line(c, p) << '\n';
  }
  return out.str();
}

std::string method_text(const Comparison& c) {
  const EvalConfig& cfg = c.config;
  std::ostringstream out;
  out << "Answers and references are normalised as in the SQuAD evaluation script (lower-case, ASCII punctuation "
         "removed, the articles a/an/the removed, whitespace collapsed). Exact match, token F1 and ROUGE-L take the "
         "best score over the reference answers and are defined on answerable questions only. ROUGE-L is the "
         "F-measure of the longest common subsequence of normalised tokens, as rouge-score computes it, without "
         "stemming.\n\n";
  out << "Each mean comes with a " << format_percent(cfg.confidence) << "% percentile bootstrap confidence interval ("
      << cfg.bootstrap_resamples << " resamples of the questions with replacement, seed " << cfg.seed << ").\n\n";
  out << "Two systems are compared on the questions both answered, per metric, with a two-sided paired permutation "
         "test on the per-question differences: every sign pattern of the differences is enumerated (exact p) for up "
         "to " << kExactSignFlipMaxN << " questions or at most " << cfg.permutations << " patterns, otherwise " << cfg.permutations << " random sign flips are "
         "drawn and p = (1 + hits) / (1 + flips). A difference is significant when p < " << fixed(cfg.alpha, 2)
      << ". The CI of the difference is a paired percentile bootstrap. No correction for multiple comparisons is "
         "applied: with many metrics and pairs, expect some false positives at this level.\n\n";
  out << "Retrieval metrics use the first k = " << cfg.k << " retrieved chunks. An answer abstains when it is empty "
         "or contains one of: ";
  std::vector<std::string> quoted;
  for (const auto& p : cfg.abstain_phrases) quoted.push_back("\"" + p + "\"");
  out << join_strings(quoted, ", ") << ".\n";
  return out.str();
}

std::string render_markdown(const Comparison& c) {
  std::size_t answerable = 0, with_docs = 0;
  for (const auto& q : c.questions) {
    answerable += q.answerable();
    with_docs += !q.doc_ids.empty();
  }
  std::ostringstream out;
  out << "# Comparison report\n\n"
      << c.questions.size() << " questions (" << answerable << " with a reference answer, "
      << c.questions.size() - answerable << " unanswerable, " << with_docs << " with gold documents); systems: "
      << md_cell(join_strings(c.systems, ", ")) << ".\n\n## Summary\n\n";
  md_summary(out, c);
  out << "\n## Significance\n\n";
  md_significance(out, c);
  out << "\n## Method\n\n" << method_text(c);
  for (const auto& info : all_metrics()) {
    out << "\n- **" << metric_label(info.metric, c.config.k) << "** (`" << info.key << "`): " << info.meaning;
  }
  out << "\n\n## Per-question answers\n";
  md_questions(out, c);
  return out.str();
}

}  // namespace lorag::eval
