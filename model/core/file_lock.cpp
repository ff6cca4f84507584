// SPDX-License-Identifier: Apache-2.0
// One writer at a time (model/core).
#include "model/core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "model/core/error.h"

namespace lorag {

FileLock::FileLock(const std::filesystem::path& path, std::string_view holder, std::string_view hint) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  LORAG_CHECK(fd_ >= 0, IoError, path.string(), ": cannot open the lock file (", std::strerror(errno), ")");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    LORAG_CHECK(err != EWOULDBLOCK, IoError, path.parent_path().string(), ": ", holder, " (", path.string(),
                " is locked); ", hint);
    LORAG_FAIL(IoError, path.string(), ": cannot lock (", std::strerror(err), ")");
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace lorag
