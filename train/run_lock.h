// SPDX-License-Identifier: Apache-2.0
// One writer per training run folder (train/): an exclusive flock on
// OUT/train.lock (model/core/file_lock.h, as the document store locks its
// folder), and removal of the temporaries an earlier, killed run left behind.
#pragma once

#include <filesystem>
#include <optional>

#include "model/core/file_lock.h"

namespace lorag::train {

class RunLock {
 public:
  // Creates `dir` when needed and locks it. Throws IoError naming the folder when
  // another process holds the lock ("another lorag train is writing ..."), or
  // when the lock file cannot be created. Once locked, removes stale
  // temporaries of lorag's own kinds: `.tmp.NAME.N` files (write_file_atomically)
  // in `dir` and `.tmp-step-N` folders in `dir`/checkpoints (save_checkpoint).
  explicit RunLock(const std::filesystem::path& dir);

 private:
  std::optional<FileLock> lock_;  // taken once the folder exists
};

// Removes `.tmp.NAME.DIGITS` files directly in `dir` and `.tmp-step-DIGITS`
// folders in `dir`/checkpoints; returns how many were removed. Call only while
// holding the run's lock.
int remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace lorag::train
