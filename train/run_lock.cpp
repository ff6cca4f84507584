// SPDX-License-Identifier: Apache-2.0
// Training run-folder lock and leftover cleanup (train/), issue #18.
#include "train/run_lock.h"

#include <algorithm>
#include <cctype>

#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::train {
namespace fs = std::filesystem;
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// `.tmp.NAME.DIGITS`, as write_file_atomically names its temporaries.
bool is_atomic_temp(const std::string& name) {
  if (!name.starts_with(".tmp.")) return false;
  const auto dot = name.rfind('.');
  return dot > 5 && all_digits(name.substr(dot + 1));
}

}  // namespace

int remove_stale_temporaries(const fs::path& dir) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && is_atomic_temp(entry.path().filename().string())) {
      removed += fs::remove(entry.path(), ec) ? 1 : 0;
    }
  }
  const fs::path checkpoints = dir / "checkpoints";
  for (const auto& entry : fs::directory_iterator(checkpoints, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && name.starts_with(".tmp-step-") && all_digits(name.substr(10))) {
      removed += fs::remove_all(entry.path(), ec) > 0 ? 1 : 0;
    }
  }
  return removed;
}

RunLock::RunLock(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  LORAG_CHECK(!ec, IoError, dir.string(), ": cannot create output folder: ", ec.message());
  lock_.emplace(dir / "train.lock", "another lorag train is writing this folder",
                "wait for it to finish or pick another --out");
  if (const int n = remove_stale_temporaries(dir); n > 0) {
    log::info("removed ", n, " temporary file(s) an interrupted run left in ", dir.string());
  }
}

}  // namespace lorag::train
