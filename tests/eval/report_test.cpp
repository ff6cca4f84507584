// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "eval/report_html.h"
#include "eval/report_text.h"
#include "eval/report_writer.h"
#include "tests/eval/sample_comparison.h"
#include "tests/test_util.h"

namespace lorag::eval {
namespace {
namespace fs = std::filesystem;

Comparison sample() {
  const auto qs = testing::sample_questions();
  return compare_systems(qs, testing::sample_answers(qs), EvalConfig{});
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(HtmlEscape, EscapesMarkupCharacters) {
  EXPECT_EQ(html_escape("<script>a&b \"c\" 'd'</script>"),
            "&lt;script&gt;a&amp;b &quot;c&quot; &#39;d&#39;&lt;/script&gt;");
}

TEST(ReportWriter, WritesParsableResultsAndReports) {
  const Comparison c = sample();
  const fs::path dir = test::temp_dir("eval_report") / "out";  // created by write_report
  write_report(dir, c);
  for (const char* name : {"results.jsonl", "summary.json", "report.md", "report.html"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / name)) << name;
  }
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 4u);  // no temp files left behind

  std::istringstream lines(read_file(dir / "results.jsonl"));
  std::size_t rows = 0;
  for (std::string line; std::getline(lines, line); ++rows) {
    const auto row = nlohmann::json::parse(line);
    EXPECT_TRUE(row.contains("question_id") && row.contains("system") && row.contains("metrics"));
    if (row["question_id"] == "q1" && row["system"] == "base") {
      EXPECT_EQ(row["answer"], "<script>alert('x')</script> & more");  // JSON keeps the text as is
      EXPECT_EQ(row["metrics"]["exact_match"], 0.0);
      EXPECT_EQ(row["judge"]["score"], 1);
    }
    if (row["question_id"] == "q1" && row["system"] == "hybrid") {
      EXPECT_EQ(row["metrics"]["hit_at_k"], 1.0);
      EXPECT_EQ(row["sources"][0]["doc_id"], "doc0");
    }
    if (row["question_id"] == "q4") EXPECT_TRUE(row["references"].empty());
  }
  EXPECT_EQ(rows, 64u);

  const auto summary = test::read_json(dir / "summary.json");
  EXPECT_EQ(summary["systems"].size(), 4u);
  EXPECT_DOUBLE_EQ(summary["summary"]["rag"]["exact_match"]["mean"].template get<double>(), 10.0 / 12);
  EXPECT_FALSE(summary["pairs"].empty());
}

TEST(ReportWriter, HtmlHasSectionsChartsAndEscapedText) {
  const Comparison c = sample();
  const std::string html = render_html(c);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : {"summary", "charts", "significance", "method", "questions"}) {
    EXPECT_NE(html.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
  }
  const std::size_t metrics = c.metrics().size();
  EXPECT_EQ(count(html, "<svg "), metrics);
  EXPECT_EQ(count(html, "class=\"errorbar\""), c.summaries.size());  // one error bar per bar
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"), std::string::npos);
  EXPECT_NE(html.find("Does &lt;script&gt;alert(1)&lt;/script&gt; run &amp; &quot;quote&quot;"), std::string::npos);
  EXPECT_NE(html.find("graded &lt;ok&gt;"), std::string::npos);
  // Self-contained: nothing fetched from elsewhere.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(count(html, "<tr>"), count(html, "</tr>"));
  EXPECT_EQ(count(html, "<td"), count(html, "</td>"));
}

TEST(ReportWriter, ChartScalesBarsToMeans) {
  const Comparison c = sample();
  const std::string svg = render_metric_chart(c, Metric::kCorrectAbstention);
  // Plot area: top 28, height 230 - 28 - 44 = 158. rag's mean 1 reaches the top
  // (y 28, height 158); base's mean 0 has height 0 at the axis (y 186).
  EXPECT_NE(svg.find("y=\"28.0\" width=\"45.0\" height=\"158.0\" fill=\"#E69F00\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("y=\"186.0\" width=\"45.0\" height=\"0.0\" fill=\"#0072B2\""), std::string::npos) << svg;
}

TEST(ReportWriter, MarkdownHasTablesAndEscapesUserText) {
  const std::string md = render_markdown(sample());
  for (const char* heading : {"# Comparison report", "## Summary", "## Significance", "## Method", "## Per-question answers"}) {
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  }
  EXPECT_NE(md.find("| system | n | EM | F1 | ROUGE-L |"), std::string::npos);
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_NE(md.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(md.find("paired permutation test"), std::string::npos);
}

TEST(ReportWriter, UnwritableFolderNamesThePath) {
  const fs::path file = test::temp_dir("eval_report") / "file";
  std::ofstream(file) << "x";
  try {
    write_report(file / "sub", sample());
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create the report folder"), std::string::npos);
  }
}

// Writes the sample report where tests/eval/report_render_test.py asks
// (env LORAG_EVAL_SAMPLE_DIR), for the headless-browser render check.
TEST(ReportSample, WritesSampleReport) {
  const char* env = std::getenv("LORAG_EVAL_SAMPLE_DIR");
  const fs::path dir = env ? fs::path(env) : test::temp_dir("eval_sample");
  write_report(dir, sample());
  EXPECT_TRUE(fs::is_regular_file(dir / "report.html"));
}

}  // namespace
}  // namespace lorag::eval
