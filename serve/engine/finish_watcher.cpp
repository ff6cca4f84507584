// SPDX-License-Identifier: Apache-2.0
#include "serve/engine/finish_watcher.h"

#include <chrono>
#include <vector>

namespace lorag::serve::engine {
namespace {
// The engine resolves a result right after its last token callback; polling
// this often adds at most this much to a request's end and costs little CPU.
constexpr auto kPollInterval = std::chrono::milliseconds(1);
}  // namespace

FinishWatcher::FinishWatcher() : thread_([this] { loop(); }) {}

FinishWatcher::~FinishWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void FinishWatcher::watch(std::future<infer::EngineResult> result, Callback done) {
  {
    std::lock_guard lock(mutex_);
    entries_.push_back({std::move(result), std::move(done)});
  }
  wake_.notify_all();
}

size_t FinishWatcher::pending() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void FinishWatcher::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (entries_.empty()) {
      if (stopping_) return;
      wake_.wait(lock, [this] { return stopping_ || !entries_.empty(); });
      continue;
    }
    std::vector<Entry> ready;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->result.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        ready.push_back(std::move(*it));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    if (ready.empty()) {
      // While stopping, every result resolves soon (the engine has ended them).
      wake_.wait_for(lock, kPollInterval);
      continue;
    }
    lock.unlock();  // callbacks may call watch() or take the server's locks
    for (Entry& e : ready) e.done(e.result.get());
    lock.lock();
  }
}

}  // namespace lorag::serve::engine
