// SPDX-License-Identifier: Apache-2.0
// Prometheus exposition of the server's counters (serve/). Names follow the
// Prometheus conventions (base units, _total counters) with a lorag_ prefix.
#include "serve/metrics.h"

#include <sstream>

namespace lorag::serve {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;  // le: value <= bound
  ++counts_[i];
  sum_ += value;
  ++count_;
}

std::string Histogram::render(const std::string& name, const std::string& help) const {
  std::ostringstream out;
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out << name << "_bucket{le=\"" << bounds_[i] << "\"} " << cumulative << "\n";
  }
  cumulative += counts_.back();
  out << name << "_bucket{le=\"+Inf\"} " << cumulative << "\n";
  out << name << "_sum " << sum_ << "\n" << name << "_count " << count_ << "\n";
  return out.str();
}

Metrics::Metrics()
    : ttft_({0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0}),
      itl_({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0}) {}

void Metrics::count_request(int status) {
  std::lock_guard lock(mutex_);
  ++requests_by_status_[status];
}

void Metrics::add_tokens(int prompt_tokens, int completion_tokens) {
  std::lock_guard lock(mutex_);
  prompt_tokens_ += static_cast<uint64_t>(std::max(prompt_tokens, 0));
  completion_tokens_ += static_cast<uint64_t>(std::max(completion_tokens, 0));
}

void Metrics::observe_time_to_first_token(double seconds) {
  std::lock_guard lock(mutex_);
  ttft_.observe(seconds);
}

void Metrics::observe_inter_token_latency(double seconds) {
  std::lock_guard lock(mutex_);
  itl_.observe(seconds);
}

std::string Metrics::render(const LoadInfo& load, int requests_in_flight) const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP lorag_requests_total HTTP requests answered, by status code.\n"
         "# TYPE lorag_requests_total counter\n";
  for (const auto& [status, n] : requests_by_status_) {
    out << "lorag_requests_total{status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP lorag_prompt_tokens_total Prompt tokens processed.\n"
         "# TYPE lorag_prompt_tokens_total counter\n"
      << "lorag_prompt_tokens_total " << prompt_tokens_ << "\n"
      << "# HELP lorag_generation_tokens_total Tokens generated.\n"
         "# TYPE lorag_generation_tokens_total counter\n"
      << "lorag_generation_tokens_total " << completion_tokens_ << "\n"
      << "# HELP lorag_queue_length Generation jobs waiting for a slot.\n"
         "# TYPE lorag_queue_length gauge\n"
      << "lorag_queue_length " << load.queue_length << "\n"
      << "# HELP lorag_slots_busy Slots generating.\n# TYPE lorag_slots_busy gauge\n"
      << "lorag_slots_busy " << load.slots_busy << "\n"
      << "# HELP lorag_slots_total Slots (--parallel).\n# TYPE lorag_slots_total gauge\n"
      << "lorag_slots_total " << load.slots_total << "\n"
      << "# HELP lorag_requests_in_flight Generation requests admitted and not finished.\n"
         "# TYPE lorag_requests_in_flight gauge\n"
      << "lorag_requests_in_flight " << requests_in_flight << "\n";
  out << ttft_.render("lorag_time_to_first_token_seconds", "Time from request to first generated text.");
  out << itl_.render("lorag_inter_token_latency_seconds", "Time between consecutive generated text deltas.");
  return out.str();
}

}  // namespace lorag::serve
