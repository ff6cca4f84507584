// SPDX-License-Identifier: Apache-2.0
// Self-contained HTML report with inline SVG charts (eval/).
#include "eval/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "eval/report_text.h"

namespace lorag::eval {
namespace {

// Colour-blind-safe palette (Okabe-Ito), one colour per system in order.
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"};

const char* colour(std::size_t i) { return kPalette[i % std::size(kPalette)]; }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string score2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// 1, 2 or 5 times a power of ten, at least `v`.
double nice_ceiling(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

constexpr const char* kCss = R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#222;max-width:1200px}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}
.ci{font-size:.8em}.sig{font-weight:bold;color:#006400}.muted{color:#777}.answer{white-space:pre-wrap;max-width:28rem}
.legend span{display:inline-block;margin-right:1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}
)";

void summary_table(std::ostringstream& out, const Comparison& c) {
  out << "<table><thead><tr><th>system</th><th>n</th>";
  for (Metric m : c.metrics()) out << "<th>" << html_escape(metric_label(m, c.config.k)) << "</th>";
  out << "</tr></thead><tbody>\n";
  for (const auto& s : c.systems) {
    std::size_t n = 0;
    for (const auto& r : c.rows) n += r.answer.system == s;
    out << "<tr><td>" << html_escape(s) << "</td><td class=\"num\">" << n << "</td>";
    for (Metric m : c.metrics()) {
      const SystemSummary* sum = c.find(s, m);
      out << "<td class=\"num\">";
      if (sum) {
        out << format_metric_value(m, sum->ci.mean) << "<br><span class=\"muted ci\">["
            << format_metric_value(m, sum->ci.low) << ", " << format_metric_value(m, sum->ci.high) << "]</span>";
      } else {
        out << "-";
      }
      out << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

void significance_table(std::ostringstream& out, const Comparison& c) {
  out << "<table><thead><tr><th>metric</th><th>A</th><th>B</th><th>n</th><th>A &minus; B</th><th>"
      << format_percent(c.config.confidence) << "% CI</th><th>p</th><th>significant</th></tr></thead><tbody>\n";
  for (const auto& p : c.pairs) {
    out << "<tr><td>" << html_escape(metric_label(p.metric, c.config.k)) << "</td><td>" << html_escape(p.system_a)
        << "</td><td>" << html_escape(p.system_b) << "</td><td class=\"num\">" << p.test.n << "</td><td class=\"num\">"
        << (p.test.mean_diff >= 0 ? "+" : "") << format_metric_value(p.metric, p.test.mean_diff)
        << "</td><td class=\"num\">[" << format_metric_value(p.metric, p.test.diff_low) << ", "
        << format_metric_value(p.metric, p.test.diff_high) << "]</td><td class=\"num\">"
        << html_escape(format_p_value(p.test.p_value)) << "</td><td>"
        << (p.test.significant ? "<span class=\"sig\">yes</span>" : "no") << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

void question_table(std::ostringstream& out, const Comparison& c) {
  const Metric shown[] = {Metric::kExactMatch, Metric::kTokenF1, Metric::kRougeL, Metric::kHitAtK,
                          Metric::kJudgeScore, Metric::kLatency};
  out << "<table><thead><tr><th>question</th><th>reference</th>";
  for (const auto& s : c.systems) out << "<th>" << html_escape(s) << "</th>";
  out << "</tr></thead><tbody>\n";
  for (std::size_t q = 0; q < c.questions.size(); ++q) {
    const Question& question = c.questions[q];
    out << "<tr><td><b>" << html_escape(question.id) << "</b><br>" << html_escape(question.question) << "</td><td>";
    if (question.answerable()) {
      for (std::size_t i = 0; i < question.answers.size(); ++i) {
        out << (i ? "<br>" : "") << html_escape(question.answers[i]);
      }
    } else {
      out << "<i class=\"muted\">none (unanswerable)</i>";
    }
    if (!question.doc_ids.empty()) {
      out << "<br><span class=\"muted\">gold:";
      for (const auto& d : question.doc_ids) out << ' ' << html_escape(d);
      out << "</span>";
    }
    out << "</td>";
    for (const auto& s : c.systems) {
      const ScoredAnswer* r = c.row(q, s);
      out << "<td>";
      if (r) {
        out << "<div class=\"answer\">" << html_escape(r->answer.answer) << "</div><div class=\"muted\">";
        for (Metric m : shown) {
          if ((*r)[m]) out << html_escape(metric_label(m, c.config.k)) << ' ' << format_metric_value(m, *(*r)[m]) << ' ';
        }
        if ((*r)[Metric::kAbstained] && *(*r)[Metric::kAbstained] > 0) out << "(abstained) ";
        if (r->answer.judge && !r->answer.judge->reason.empty()) out << "<br>judge: " << html_escape(r->answer.judge->reason);
        if (!r->answer.sources.empty()) {
          out << "<br>sources:";
          for (const auto& src : r->answer.sources) out << ' ' << html_escape(src.doc_id) << " (" << score2(src.score) << ")";
        }
        out << "</div>";
      } else {
        out << "<span class=\"muted\">-</span>";
      }
      out << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string render_metric_chart(const Comparison& c, Metric metric) {
  const double width = 360, height = 230, left = 48, right = 12, top = 28, bottom = 44;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  double y_max = 1;
  if (!metric_info(metric).unit_interval) {
    double hi = 0;
    for (const auto& s : c.summaries) {
      if (s.metric == metric) hi = std::max({hi, s.ci.high, s.ci.mean});
    }
    y_max = metric == Metric::kJudgeScore ? 5 : nice_ceiling(hi);
  }
  auto y = [&](double v) { return top + plot_h * (1 - std::clamp(v / y_max, 0.0, 1.0)); };
  const std::string label = metric_label(metric, c.config.k);
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" role=\"img\" aria-label=\"" << html_escape(label) << " per system\" class=\"chart\">\n"
      << "<text x=\"" << width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">"
      << html_escape(label) << "</text>\n";
  for (int t = 0; t <= 4; ++t) {
    const double v = y_max * t / 4;
    out << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\"" << num(y(v)) << "\" y2=\"" << num(y(v))
        << "\" stroke=\"#e0e0e0\"/><text x=\"" << left - 4 << "\" y=\"" << num(y(v) + 4)
        << "\" text-anchor=\"end\" font-size=\"10\">" << format_metric_value(metric, v) << "</text>\n";
  }
  const double slot = plot_w / std::max<std::size_t>(1, c.systems.size());
  const double bar_w = std::min(slot * 0.6, 60.0);
  for (std::size_t i = 0; i < c.systems.size(); ++i) {
    const double cx = left + slot * (i + 0.5);
    const SystemSummary* s = c.find(c.systems[i], metric);
    out << "<text x=\"" << num(cx) << "\" y=\"" << num(height - bottom + 16) << "\" text-anchor=\"middle\" font-size=\"11\">"
        << html_escape(c.systems[i]) << "</text>\n";
    if (!s) continue;
    out << "<rect x=\"" << num(cx - bar_w / 2) << "\" y=\"" << num(y(s->ci.mean)) << "\" width=\"" << num(bar_w)
        << "\" height=\"" << num(top + plot_h - y(s->ci.mean)) << "\" fill=\"" << colour(i) << "\"><title>"
        << html_escape(c.systems[i]) << ": " << format_metric_value(metric, s->ci.mean) << " ["
        << format_metric_value(metric, s->ci.low) << ", " << format_metric_value(metric, s->ci.high)
        << "]</title></rect>\n";
    // Error bar: the CI, with caps.
    const double y_lo = y(s->ci.low), y_hi = y(s->ci.high), cap = bar_w / 4;
    out << "<g stroke=\"#222\" stroke-width=\"1.5\" class=\"errorbar\"><line x1=\"" << num(cx) << "\" x2=\"" << num(cx)
        << "\" y1=\"" << num(y_lo) << "\" y2=\"" << num(y_hi) << "\"/><line x1=\"" << num(cx - cap) << "\" x2=\""
        << num(cx + cap) << "\" y1=\"" << num(y_lo) << "\" y2=\"" << num(y_lo) << "\"/><line x1=\"" << num(cx - cap)
        << "\" x2=\"" << num(cx + cap) << "\" y1=\"" << num(y_hi) << "\" y2=\"" << num(y_hi) << "\"/></g>\n";
    out << "<text x=\"" << num(cx) << "\" y=\"" << num(height - bottom + 30) << "\" text-anchor=\"middle\" font-size=\"10\">"
        << format_metric_value(metric, s->ci.mean) << "</text>\n";
  }
  out << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\"" << top + plot_h << "\" y2=\"" << top + plot_h
      << "\" stroke=\"#444\"/>\n</svg>";
  return out.str();
}

std::string render_html(const Comparison& c) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>lorag comparison report</title>\n"
      << "<style>\n" << kCss << "</style></head><body>\n<h1>Comparison report</h1>\n<p>" << c.questions.size()
      << " questions, " << c.systems.size() << " systems.</p>\n";
  out << "<section id=\"summary\"><h2>Summary</h2>\n";
  summary_table(out, c);
  out << "<p class=\"muted\">mean [" << format_percent(c.config.confidence) << "% bootstrap CI]</p></section>\n";
  out << "<section id=\"charts\"><h2>Metrics per system</h2>\n<p class=\"legend\">";
  for (std::size_t i = 0; i < c.systems.size(); ++i) {
    out << "<span><i class=\"swatch\" style=\"background:" << colour(i) << "\"></i>" << html_escape(c.systems[i]) << "</span>";
  }
  out << "</p>\n<div class=\"charts\">\n";
  for (Metric m : c.metrics()) out << "<figure>" << render_metric_chart(c, m) << "</figure>\n";
  out << "</div><p class=\"muted\">Bars: means; error bars: " << format_percent(c.config.confidence)
      << "% bootstrap confidence intervals.</p></section>\n";
  out << "<section id=\"significance\"><h2>Significance</h2>\n";
  significance_table(out, c);
  out << "</section>\n<section id=\"method\"><h2>Method</h2>\n";
  std::istringstream paragraphs(method_text(c));
  for (std::string line; std::getline(paragraphs, line);) {
    if (!line.empty()) out << "<p>" << html_escape(line) << "</p>\n";
  }
  out << "<ul>\n";
  for (const auto& info : all_metrics()) {
    out << "<li><b>" << html_escape(metric_label(info.metric, c.config.k)) << "</b>: " << html_escape(info.meaning) << "</li>\n";
  }
  out << "</ul></section>\n<section id=\"questions\"><h2>Per-question answers</h2>\n";
  question_table(out, c);
  out << "</section>\n</body></html>\n";
  return out.str();
}

}  // namespace lorag::eval
