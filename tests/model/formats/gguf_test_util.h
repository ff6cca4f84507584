// SPDX-License-Identifier: Apache-2.0
// Helpers for the GGUF tests: a little-endian byte builder for hand-made (and
// deliberately broken) files, raw f32 fixture reading, and error capture.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "model/core/error.h"
#include "model/formats/gguf_file.h"
#include "tests/test_util.h"

namespace lorag::test {

// Appends GGUF primitives in little-endian order.
class GgufBytes {
 public:
  GgufBytes& u8(std::uint8_t v) { return raw(v, 1); }
  GgufBytes& u16(std::uint16_t v) { return raw(v, 2); }
  GgufBytes& u32(std::uint32_t v) { return raw(v, 4); }
  GgufBytes& u64(std::uint64_t v) { return raw(v, 8); }
  GgufBytes& str(const std::string& s) {
    u64(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  // "GGUF", version, tensor count, kv count.
  GgufBytes& header(std::uint64_t n_tensors, std::uint64_t n_kv, std::uint32_t version = 3) {
    bytes_.insert(bytes_.end(), {'G', 'G', 'U', 'F'});
    return u32(version).u64(n_tensors).u64(n_kv);
  }
  // A uint32 metadata pair.
  GgufBytes& kv_u32(const std::string& key, std::uint32_t v) { return str(key).u32(4).u32(v); }
  // A tensor-info entry.
  GgufBytes& tensor(const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type,
                    std::uint64_t offset) {
    str(name).u32(static_cast<std::uint32_t>(dims.size()));
    for (std::uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
  GgufBytes& pad_to(std::size_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(0);
    return *this;
  }
  GgufBytes& zeros(std::size_t n) {
    bytes_.resize(bytes_.size() + n, 0);
    return *this;
  }
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  GgufBytes& raw(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  std::vector<std::uint8_t> bytes_;
};

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A raw little-endian float32 file written by scripts/fixtures/gguf_formats.py.
inline std::vector<float> read_f32(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> bytes = read_bytes(path);
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

// The message of the FormatError that parsing `bytes` throws; "" (and a test
// failure) when it parses or throws something else.
inline std::string gguf_parse_error(std::span<const std::uint8_t> bytes, const std::string& name = "bad.gguf") {
  try {
    model::formats::GgufFile::parse(bytes, name);
  } catch (const FormatError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a FormatError from " << name;
  return "";
}

}  // namespace lorag::test

// Fails (non-fatally) unless `haystack` contains `needle`, printing both.
#define LORAG_EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)
