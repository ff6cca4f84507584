// SPDX-License-Identifier: Apache-2.0
// Wall-clock stopwatch (model/core) for load/prefill/decode reports.
#pragma once

#include <chrono>

namespace lorag {

class Timer {
 public:
  Timer() : start_(Clock::now()) {}
  void reset() { start_ = Clock::now(); }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

}  // namespace lorag
