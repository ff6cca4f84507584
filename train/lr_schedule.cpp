// SPDX-License-Identifier: Apache-2.0
#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "model/core/error.h"

namespace lorag::train {

ScheduleKind parse_schedule_kind(const std::string& name) {
  if (name == "cosine") return ScheduleKind::kCosine;
  if (name == "linear") return ScheduleKind::kLinear;
  if (name == "constant") return ScheduleKind::kConstant;
  LORAG_FAIL(ConfigError, "scheduler must be cosine, linear or constant, got '", name, "'");
}

double LrSchedule::lr_at(int64_t step) const {
  // transformers/optimization.py: the lambdas below, multiplied by the peak lr.
  const auto d = [](int64_t v) { return static_cast<double>(v); };
  if (step < warmup_steps) return peak_lr * d(step) / d(std::max<int64_t>(1, warmup_steps));
  switch (kind) {
    case ScheduleKind::kConstant: return peak_lr;
    case ScheduleKind::kLinear:
      return peak_lr * std::max(0.0, d(total_steps - step) / d(std::max<int64_t>(1, total_steps - warmup_steps)));
    case ScheduleKind::kCosine: {
      const double progress = d(step - warmup_steps) / d(std::max<int64_t>(1, total_steps - warmup_steps));
      // num_cycles = 0.5: one half cosine from the peak down to 0.
      return peak_lr * std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * 0.5 * 2.0 * progress)));
    }
  }
  return peak_lr;
}

}  // namespace lorag::train
