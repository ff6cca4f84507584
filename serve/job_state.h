// SPDX-License-Identifier: Apache-2.0
// The meeting point of one HTTP request and its generation jobs (serve/): the
// engine's callbacks push text deltas and finishes in, the HTTP thread takes
// them out. The lock lives here so the handlers and the engine stay free of it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "serve/backend.h"
#include "serve/metrics.h"

namespace lorag::serve {

struct JobEvent {
  int index = 0;        // global choice index: prompt * n + choice
  std::string text;     // delta text (empty for a finish)
  bool finished = false;
  FinishInfo finish;    // when `finished`; finish.index is the global index
};

// Shared by the callbacks (engine threads) and one HTTP thread; thread-safe.
class JobState : public std::enable_shared_from_this<JobState> {
 public:
  using Clock = std::chrono::steady_clock;
  // `jobs` backend jobs of `choices_per_job` choices each; timing goes to `metrics`.
  JobState(int jobs, int choices_per_job, Clock::time_point request_start, Metrics& metrics);

  // Callbacks for backend job `job` (0-based); they keep this state alive.
  JobCallbacks callbacks(int job);
  void add_handle(std::unique_ptr<JobHandle> handle);

  // Waits until events are queued, every choice has finished, or `timeout`
  // passes; returns (and removes) the queued events.
  std::vector<JobEvent> wait_events(std::chrono::milliseconds timeout);
  bool all_finished() const;
  // Makes every later on_delta return kStop and cancels the backend jobs.
  void cancel();
  bool cancelled() const { return cancelled_.load(); }

  int prompt_tokens() const;      // summed over jobs (each job's prompt once)
  int completion_tokens() const;  // summed over choices

 private:
  StreamControl on_delta(int index, std::string_view text);
  void on_finish(int job, const FinishInfo& info);

  const int choices_per_job_;
  const Clock::time_point request_start_;
  Metrics& metrics_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<JobEvent> events_;
  std::vector<std::unique_ptr<JobHandle>> handles_;
  std::vector<int> job_prompt_tokens_;
  std::vector<Clock::time_point> last_delta_;  // per choice; epoch = none yet
  int total_choices_;
  int finished_ = 0;
  int completion_tokens_ = 0;
  bool first_delta_seen_ = false;
  std::atomic<bool> cancelled_{false};
};

}  // namespace lorag::serve
