// SPDX-License-Identifier: Apache-2.0
// Crash-safe file writes (model/core).
#include "model/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "model/core/error.h"

namespace lorag {
namespace fs = std::filesystem;

namespace {
fs::path temp_path_for(const fs::path& path) {
  std::random_device rd;
  return path.parent_path() / (".tmp." + path.filename().string() + "." + std::to_string(rd()));
}
}  // namespace

void sync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  LORAG_CHECK(fd >= 0, IoError, path.string(), ": cannot open to fsync: ", std::strerror(errno));
  const int rc = ::fsync(fd);
  const int fsync_errno = errno;
  ::close(fd);
  LORAG_CHECK(rc == 0, IoError, path.string(), ": fsync failed (", std::strerror(fsync_errno), ")");
}

void rename_durably(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  LORAG_CHECK(!ec, IoError, to.string(), ": cannot rename ", from.filename().string(), " into place: ", ec.message());
  sync_path(to.parent_path().empty() ? fs::path(".") : to.parent_path());
}

void write_file_atomically(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  LORAG_CHECK(fs::is_directory(dir), IoError, path.string(), ": directory ", dir.string(), " does not exist");
  const fs::path tmp = temp_path_for(path.parent_path().empty() ? fs::path(".") / path : path);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      LORAG_CHECK(out.good(), IoError, tmp.string(), ": cannot open for writing: ", std::strerror(errno));
      write(out);
      out.flush();
      LORAG_CHECK(out.good(), IoError, tmp.string(), ": write failed (disk full?)");
    }
    sync_path(tmp);  // the rename must not become visible before the data is on disk
    rename_durably(tmp, path);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void write_file_atomically(const fs::path& path, std::string_view contents) {
  write_file_atomically(path, [&](std::ostream& out) { out.write(contents.data(), contents.size()); });
}

void check_can_write_into(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  LORAG_CHECK(!ec, IoError, dir.string(), ": cannot create output folder: ", ec.message());
  const fs::path probe = temp_path_for(dir / "write-check");
  {
    std::ofstream out(probe, std::ios::binary | std::ios::trunc);
    LORAG_CHECK(out.good(), IoError, dir.string(), ": cannot write into this folder (", std::strerror(errno),
                "); checked before starting so no work is lost");
  }
  fs::remove(probe, ec);
}

void check_can_write(const fs::path& path) {
  std::error_code ec;
  LORAG_CHECK(!fs::is_directory(path, ec), IoError, path.string(), ": is a folder, expected a file name to write");
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  LORAG_CHECK(fs::is_directory(dir, ec), IoError, path.string(), ": folder ", dir.string(), " does not exist");
  check_can_write_into(dir);
}

void check_regular_file(const fs::path& path) {
  std::error_code ec;
  const auto type = fs::status(path, ec).type();  // follows symlinks, as open() does
  if (ec || type == fs::file_type::not_found || type == fs::file_type::regular) return;
  const char* kind = type == fs::file_type::fifo        ? "a FIFO"
                     : type == fs::file_type::directory ? "a folder"
                     : type == fs::file_type::socket    ? "a socket"
                     : type == fs::file_type::block || type == fs::file_type::character ? "a device"
                                                                                         : "not a regular file";
  LORAG_FAIL(IoError, path.string(), ": is ", kind, ", expected a regular file (lorag reads models, tokenizers, ",
             "documents, datasets and configs only from regular files)");
}

std::string read_file(const fs::path& path) {
  check_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  LORAG_CHECK(in.good(), IoError, path.string(), ": cannot open: ", std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace lorag
