// SPDX-License-Identifier: Apache-2.0
// Read-only memory-mapped files (model/formats) on POSIX mmap.
#include "model/formats/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "model/core/atomic_file.h"
#include "model/core/error.h"

namespace lorag::model::formats {

namespace {
// Closes the descriptor on every path out of `open`; the mapping outlives it.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

MappedFile MappedFile::open(const std::filesystem::path& path) {
  MappedFile file;
  file.path_ = path;
  check_regular_file(path);
  FdCloser fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  LORAG_CHECK(fd.fd >= 0, IoError, path.string(), ": cannot open for reading: ", std::strerror(errno));
  struct stat st {};
  LORAG_CHECK(::fstat(fd.fd, &st) == 0, IoError, path.string(), ": cannot stat: ", std::strerror(errno));
  LORAG_CHECK(S_ISREG(st.st_mode), IoError, path.string(), ": not a regular file");
  file.size_ = static_cast<std::size_t>(st.st_size);
  if (file.size_ == 0) return file;  // mmap rejects length 0
  void* addr = ::mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd.fd, 0);
  LORAG_CHECK(addr != MAP_FAILED, IoError, path.string(), ": cannot mmap ", file.size_,
              " bytes: ", std::strerror(errno));
  file.data_ = static_cast<const std::uint8_t*>(addr);
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      path_(std::move(other.path_)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    path_ = std::move(other.path_);
  }
  return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

void drop_resident_pages(std::span<const std::uint8_t> bytes) noexcept {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(bytes.data());
  // Only the pages wholly inside the span: a neighbour's bytes stay resident.
  const std::uintptr_t first = (begin + page - 1) / page * page;
  const std::uintptr_t last = (begin + bytes.size()) / page * page;
  // Advice only: on failure the pages simply stay resident.
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace lorag::model::formats
