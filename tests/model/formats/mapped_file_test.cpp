// SPDX-License-Identifier: Apache-2.0
// MappedFile and drop_resident_pages: a loader that has copied a tensor out can give back
// the mapping's pages (the process's resident memory falls) and still read the same bytes.
#include "model/formats/mapped_file.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace lorag::model::formats {
namespace {

// Resident KiB of the mapping that starts at `addr`, from /proc/self/smaps.
long resident_kib(const void* addr) {
  std::ifstream smaps("/proc/self/smaps");
  const auto start = reinterpret_cast<std::uintptr_t>(addr);
  bool in_mapping = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> lo >> dash >> hi && dash == '-') {
      in_mapping = lo <= start && start < hi;
      continue;
    }
    if (in_mapping && line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
  }
  ADD_FAILURE() << "mapping not found in /proc/self/smaps";
  return -1;
}

std::uint64_t checksum(std::span<const std::uint8_t> bytes) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) sum = sum * 31 + bytes[i];
  return sum;
}

TEST(MappedFile, DroppedPagesLeaveResidentMemoryAndReadBackTheSameBytes) {
  const auto path = test::temp_dir("mapped_file") / "data.bin";
  constexpr std::size_t kBytes = 8 << 20;
  {
    std::vector<char> bytes(kBytes);
    for (std::size_t i = 0; i < kBytes; ++i) bytes[i] = static_cast<char>(i * 2654435761u >> 13);
    std::ofstream(path, std::ios::binary).write(bytes.data(), kBytes);
  }
  auto file = MappedFile::open(path);
  ASSERT_EQ(file.size(), kBytes);
  const auto before = checksum(file.bytes());  // touches every page
  EXPECT_GE(resident_kib(file.data()), static_cast<long>(kBytes / 1024 * 9 / 10));

  // The first half (and the page it ends in, only partly covered) stays; the rest goes.
  drop_resident_pages(file.bytes().subspan(kBytes / 2 + 100));
  const long after = resident_kib(file.data());
  EXPECT_GE(after, static_cast<long>(kBytes / 2 / 1024));
  EXPECT_LE(after, static_cast<long>(kBytes / 2 / 1024) + 8);

  EXPECT_EQ(checksum(file.bytes()), before);
}

}  // namespace
}  // namespace lorag::model::formats
