// SPDX-License-Identifier: Apache-2.0
// One writer at a time (model/core): an exclusive advisory lock (flock) on one
// file, held while alive and released by the kernel if the process dies. Locks
// the folders of document stores (rag/) and training runs (train/).
#pragma once

#include <filesystem>
#include <string_view>

namespace lorag {

class FileLock {
 public:
  // Opens `path` (creating it) and locks it without waiting. Throws IoError when
  // another process holds it: "DIR: `holder` (PATH is locked); `hint`", DIR being
  // path's folder; or naming `path` when it cannot be opened or locked.
  FileLock(const std::filesystem::path& path, std::string_view holder, std::string_view hint);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  int fd_ = -1;
};

}  // namespace lorag
