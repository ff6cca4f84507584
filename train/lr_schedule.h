// SPDX-License-Identifier: Apache-2.0
// Learning-rate schedules (train/): linear warm-up, then cosine, linear or
// constant, with the exact formulas of transformers' get_*_schedule_with_warmup.
#pragma once

#include <cstdint>
#include <string>

namespace lorag::train {

enum class ScheduleKind { kCosine, kLinear, kConstant };

// "cosine" | "linear" | "constant"; throws ConfigError for anything else.
ScheduleKind parse_schedule_kind(const std::string& name);

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::kCosine;
  double peak_lr = 2e-4;      // after warm-up, e.g. 2e-4
  int64_t warmup_steps = 0;   // e.g. 10
  int64_t total_steps = 1;    // optimizer steps of the whole run, e.g. 1000

  // The learning rate of optimizer step `step` (0-based), as the LambdaLR of
  // transformers gives it: step 0 of a warm-up uses lr 0, as in the HF Trainer.
  double lr_at(int64_t step) const;
};

}  // namespace lorag::train
