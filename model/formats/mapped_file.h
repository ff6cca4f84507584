// SPDX-License-Identifier: Apache-2.0
// A read-only memory-mapped file (model/formats), shared by the GGUF and
// safetensors readers so multi-gigabyte checkpoints are never copied into memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace lorag::model::formats {

// Owns a read-only, private mapping of a whole file. Movable, not copyable; the
// mapping (and every pointer into it) lives until the last owner is destroyed, and
// its address does not change on move. Reading is thread-safe.
class MappedFile {
 public:
  // Maps `path` read-only. An empty file gives `size() == 0` and `data() == nullptr`.
  // Throws IoError naming the path when it cannot be opened, stat'ed or mapped.
  static MappedFile open(const std::filesystem::path& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // First byte of the mapping; nullptr when the file is empty or nothing is mapped.
  const std::uint8_t* data() const { return data_; }
  // Size of the file in bytes.
  std::size_t size() const { return size_; }
  // The whole file as a byte span.
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  // The path given to `open`, for error messages.
  const std::filesystem::path& path() const { return path_; }

 private:
  void release() noexcept;

  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::filesystem::path path_;
};

// Drops this process's copies of the whole pages inside `bytes`, which must lie in a
// MappedFile's read-only private mapping (madvise MADV_DONTNEED). Nothing a reader
// sees changes: the next read maps the pages in again from the file. A loader calls
// it once a tensor is copied out, so peak memory is the copy, not copy plus mapping.
void drop_resident_pages(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace lorag::model::formats
