// SPDX-License-Identifier: Apache-2.0
// FinishWatcher (serve/engine/): the one thread that waits for the engine's
// results (futures) and hands each to its callback, so a finished choice is
// reported without a thread per request.
#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <thread>

#include "infer/engine_request.h"

namespace lorag::serve::engine {

class FinishWatcher {
 public:
  using Callback = std::function<void(infer::EngineResult result)>;

  FinishWatcher();
  // Waits for every watched result (the engine must be stopped first, so that
  // each has resolved), calls its callback, then joins the thread.
  ~FinishWatcher();
  FinishWatcher(const FinishWatcher&) = delete;
  FinishWatcher& operator=(const FinishWatcher&) = delete;

  // Calls `done` with the result once `result` is ready, on the watcher's thread
  // (within about a millisecond). Thread-safe.
  void watch(std::future<infer::EngineResult> result, Callback done);
  // Results not yet handed to their callbacks.
  size_t pending() const;

 private:
  struct Entry {
    std::future<infer::EngineResult> result;
    Callback done;
  };
  void loop();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::list<Entry> entries_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lorag::serve::engine
