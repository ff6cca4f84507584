// SPDX-License-Identifier: Apache-2.0
// Server metrics in the Prometheus text format, version 0.0.4 (serve/).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "serve/backend.h"

namespace lorag::serve {

// A cumulative histogram with fixed upper bounds (seconds), as Prometheus defines it.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // "# HELP", "# TYPE" then the _bucket{le=...}, _sum and _count lines.
  std::string render(const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; last is +Inf
  double sum_ = 0.0;
  uint64_t count_ = 0;
};

// Counters and histograms of one server. Every method is thread-safe.
class Metrics {
 public:
  Metrics();
  // One finished HTTP request with its status (200, 400, 401, ...).
  void count_request(int status);
  void add_tokens(int prompt_tokens, int completion_tokens);
  void observe_time_to_first_token(double seconds);
  void observe_inter_token_latency(double seconds);
  // The whole exposition; `load` gives the queue length and busy slots gauges.
  std::string render(const LoadInfo& load, int requests_in_flight) const;

 private:
  mutable std::mutex mutex_;
  std::map<int, uint64_t> requests_by_status_;
  uint64_t prompt_tokens_ = 0;
  uint64_t completion_tokens_ = 0;
  Histogram ttft_;
  Histogram itl_;
};

}  // namespace lorag::serve
