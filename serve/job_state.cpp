// SPDX-License-Identifier: Apache-2.0
// Event queue between the engine's callbacks and an HTTP handler (serve/).
#include "serve/job_state.h"

namespace lorag::serve {

JobState::JobState(int jobs, int choices_per_job, Clock::time_point request_start, Metrics& metrics)
    : choices_per_job_(choices_per_job),
      request_start_(request_start),
      metrics_(metrics),
      job_prompt_tokens_(jobs, 0),
      last_delta_(static_cast<size_t>(jobs * choices_per_job)),
      total_choices_(jobs * choices_per_job) {}

JobCallbacks JobState::callbacks(int job) {
  auto self = shared_from_this();
  const int offset = job * choices_per_job_;
  JobCallbacks cb;
  cb.on_delta = [self, offset](int index, std::string_view text) { return self->on_delta(offset + index, text); };
  cb.on_finish = [self, job, offset](const FinishInfo& info) {
    FinishInfo global = info;
    global.index = offset + info.index;
    self->on_finish(job, global);
  };
  return cb;
}

void JobState::add_handle(std::unique_ptr<JobHandle> handle) {
  JobHandle* raw = handle.get();
  {
    std::lock_guard lock(mutex_);
    handles_.push_back(std::move(handle));
  }
  if (cancelled_) raw->cancel();  // cancelled while the job was being started
}

StreamControl JobState::on_delta(int index, std::string_view text) {
  if (cancelled_) return StreamControl::kStop;
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    if (index < 0 || index >= total_choices_) return StreamControl::kStop;  // a backend bug; stop it
    if (!first_delta_seen_) {
      first_delta_seen_ = true;
      metrics_.observe_time_to_first_token(std::chrono::duration<double>(now - request_start_).count());
    }
    auto& last = last_delta_[static_cast<size_t>(index)];
    if (last != Clock::time_point{}) {
      metrics_.observe_inter_token_latency(std::chrono::duration<double>(now - last).count());
    }
    last = now;
    events_.push_back(JobEvent{index, std::string(text), false, {}});
  }
  cv_.notify_all();
  return cancelled_ ? StreamControl::kStop : StreamControl::kContinue;
}

void JobState::on_finish(int job, const FinishInfo& info) {
  {
    std::lock_guard lock(mutex_);
    if (job >= 0 && job < static_cast<int>(job_prompt_tokens_.size())) {
      job_prompt_tokens_[static_cast<size_t>(job)] = info.prompt_tokens;
    }
    completion_tokens_ += info.completion_tokens;
    ++finished_;
    events_.push_back(JobEvent{info.index, "", true, info});
  }
  cv_.notify_all();
}

std::vector<JobEvent> JobState::wait_events(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [this] { return !events_.empty() || finished_ >= total_choices_; });
  std::vector<JobEvent> out;
  out.swap(events_);
  return out;
}

bool JobState::all_finished() const {
  std::lock_guard lock(mutex_);
  return finished_ >= total_choices_;
}

void JobState::cancel() {
  cancelled_ = true;
  // Handles are cancelled outside the lock: a backend may call on_finish from cancel().
  std::vector<JobHandle*> handles;
  {
    std::lock_guard lock(mutex_);
    for (auto& h : handles_) handles.push_back(h.get());
  }
  for (JobHandle* h : handles) h->cancel();
}

int JobState::prompt_tokens() const {
  std::lock_guard lock(mutex_);
  int sum = 0;
  for (int t : job_prompt_tokens_) sum += t;
  return sum;
}

int JobState::completion_tokens() const {
  std::lock_guard lock(mutex_);
  return completion_tokens_;
}

}  // namespace lorag::serve
