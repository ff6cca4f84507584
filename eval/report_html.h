// SPDX-License-Identifier: Apache-2.0
// report.html for a Comparison (eval/, torch-free): one self-contained page
// (inline CSS and SVG, no scripts, no external resources) with the summary
// table, a bar chart per metric with CI error bars, the significance table, the
// method, and the per-question answers side by side.
#pragma once

#include <string>
#include <string_view>

#include "eval/comparison.h"

namespace lorag::eval {

// `&`, `<`, `>`, `"` and `'` as entities, so user text stays text.
std::string html_escape(std::string_view text);

// One <svg> bar chart of `metric`: a bar per system at its mean with an error
// bar from the CI's low to high bound; the y axis runs 0..1 for [0, 1] metrics,
// else 0 to a rounded maximum. Systems without the metric get no bar.
std::string render_metric_chart(const Comparison& comparison, Metric metric);

// The whole page. Sections have ids "summary", "charts", "significance",
// "method" and "questions".
std::string render_html(const Comparison& comparison);

}  // namespace lorag::eval
