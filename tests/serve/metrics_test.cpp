// SPDX-License-Identifier: Apache-2.0
// Prometheus histogram semantics (cumulative buckets, `le` inclusive, +Inf = count);
// the whole exposition is parsed by prometheus_client in openai_client_test.py.
#include <gtest/gtest.h>

#include "serve/metrics.h"

namespace lorag::serve {
namespace {

TEST(Histogram, BucketsAreCumulativeAndInclusive) {
  Histogram h({0.1, 1.0});
  for (double v : {0.05, 0.1, 0.5, 1.0, 7.0}) h.observe(v);
  const std::string text = h.render("x_seconds", "help text");
  EXPECT_EQ(text,
            "# HELP x_seconds help text\n# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"0.1\"} 2\nx_seconds_bucket{le=\"1\"} 4\nx_seconds_bucket{le=\"+Inf\"} 5\n"
            "x_seconds_sum 8.65\nx_seconds_count 5\n");
}

TEST(Metrics, CountsByStatusAndGauges) {
  Metrics m;
  m.count_request(200);
  m.count_request(200);
  m.count_request(429);
  m.add_tokens(10, 3);
  const std::string text = m.render(LoadInfo{2, 3, 4}, 5);
  for (const char* line : {"lorag_requests_total{status=\"200\"} 2\n", "lorag_requests_total{status=\"429\"} 1\n",
                           "lorag_prompt_tokens_total 10\n", "lorag_generation_tokens_total 3\n",
                           "lorag_queue_length 2\n", "lorag_slots_busy 3\n", "lorag_slots_total 4\n",
                           "lorag_requests_in_flight 5\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
}

}  // namespace
}  // namespace lorag::serve
