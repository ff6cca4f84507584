// SPDX-License-Identifier: Apache-2.0
// The one writer lock (model/core/file_lock.h) that document stores and training
// runs share: a second holder is refused in the caller's words, the lock goes
// with its holder, and a lock file that cannot be made is named.
#include "model/core/file_lock.h"

#include <gtest/gtest.h>

#include <optional>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
namespace fs = std::filesystem;

TEST(FileLock, SecondHolderIsRefusedInTheCallersWords) {
  const auto dir = temp_dir("file_lock");
  const auto path = dir / "lock";
  {
    const FileLock first(path, "someone writes here", "try later");
    // flock belongs to the open file description, so a second open in this same
    // process conflicts as another process's would.
    const auto message = error_of<IoError>([&] { FileLock second(path, "someone writes here", "try later"); });
    const auto expected = dir.string() + ": someone writes here (" + path.string() + " is locked); try later";
    EXPECT_TRUE(message.starts_with(expected)) << message;  // then the debug suffix [file:line]
  }
  EXPECT_NO_THROW(FileLock again(path, "someone writes here", "try later"));  // released with its holder
  fs::remove_all(dir);
}

TEST(FileLock, MissingFolderNamesTheLockFile) {
  const auto path = temp_dir("file_lock_missing") / "no" / "such" / "lock";
  const auto message = error_of<IoError>([&] { FileLock lock(path, "x", "y"); });
  EXPECT_NE(message.find(path.string() + ": cannot open the lock file"), std::string::npos) << message;
}

}  // namespace
}  // namespace lorag::test
