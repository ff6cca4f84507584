// SPDX-License-Identifier: Apache-2.0
// Text renderings of a Comparison (eval/, torch-free): the terminal summary
// table that `lorag compare` prints, and report.md. Pure functions returning
// strings; nothing is written to stdout here.
#pragma once

#include <string>

#include "eval/comparison.h"

namespace lorag::eval {

// A metric value as reports show it: 3 decimals for [0, 1] metrics, 2 for the
// judge score and latency, 1 for tokens/s. NaN gives "-".
std::string format_metric_value(Metric metric, double value);
// A fraction as a percentage without trailing zeros, e.g. 0.95 -> "95".
std::string format_percent(double fraction);
// "<0.001" below 0.001, else 3 decimals, e.g. "0.042".
std::string format_p_value(double p);

// Aligned plain-text table, one row per system: n answers, then each defined
// metric as "mean [low, high]"; then one line per significant difference, e.g.
// "rag > base on F1: +0.250 (p=0.002)". Ends with a newline.
std::string format_summary_table(const Comparison& comparison);

// Markdown report: overview, summary table, significance table, method, and the
// per-question answers side by side. User text (questions, answers) is escaped
// so it cannot break the tables or inject HTML.
std::string render_markdown(const Comparison& comparison);

// The method section's paragraphs (shared by the Markdown and HTML reports).
std::string method_text(const Comparison& comparison);

}  // namespace lorag::eval
