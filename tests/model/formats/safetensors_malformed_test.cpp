// SPDX-License-Identifier: Apache-2.0
// Safetensors files the format's own reader refuses (issue #18): overlapping,
// out-of-order or gapped data ranges, and a `__metadata__` that is not an object
// of strings. Each case is also handed to the Python `safetensors` reader (the
// reference), which must refuse it too.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "model/core/error.h"
#include "model/formats/safetensors_file.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
using model::formats::SafetensorsFile;

std::vector<uint8_t> file_bytes(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> out(8);
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

// Whether Python's safetensors opens the bytes (skips when no interpreter is known).
bool reference_accepts(const std::vector<uint8_t>& bytes) {
  const char* python = std::getenv("LORAG_PYTHON");
  if (python == nullptr) return false;
  const auto dir = temp_dir("st_ref");
  const auto path = dir / "x.safetensors";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const std::string cmd = std::string(python) +
                          " -c \"import sys; from safetensors import safe_open; "
                          "f = safe_open(sys.argv[1], 'np'); [f.get_tensor(k) for k in f.keys()]\" " +
                          path.string() + " 2>/dev/null";
  const int rc = std::system(cmd.c_str());
  std::filesystem::remove_all(dir);
  return rc == 0;
}

std::string expect_refused(const std::string& header, size_t data_bytes) {
  const auto bytes = file_bytes(header, data_bytes);
  EXPECT_FALSE(reference_accepts(bytes)) << "the reference reader accepts " << header;
  return error_of<FormatError>([&] { SafetensorsFile::parse(bytes, "x.safetensors"); });
}

TEST(SafetensorsMalformed, ReferenceAcceptsTheWellFormedFile) {
  const std::string good = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  EXPECT_TRUE(reference_accepts(file_bytes(good, 16)) || std::getenv("LORAG_PYTHON") == nullptr);
  EXPECT_EQ(SafetensorsFile::parse(file_bytes(good, 16), "x")->tensors().size(), 2u);
}

TEST(SafetensorsMalformed, OverlappingDataIsRefused) {
  const auto message = expect_refused(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                      12);
  EXPECT_NE(message.find("tensor 'b' data [4, 12) overlaps tensor 'a'"), std::string::npos) << message;
  const auto same = expect_refused(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                   8);
  EXPECT_NE(same.find("overlaps tensor 'a'"), std::string::npos) << same;
}

TEST(SafetensorsMalformed, GapsAndTrailingBytesAreRefused) {
  auto message = expect_refused(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16);
  EXPECT_NE(message.find("tensor 'a' data starts at 8, expected 0"), std::string::npos) << message;
  message = expect_refused(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 12);
  EXPECT_NE(message.find("the tensors cover 8 of the 12 data bytes"), std::string::npos) << message;
}

TEST(SafetensorsMalformed, MetadataMustBeAnObjectOfStrings) {
  const std::string tensor = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  auto message = expect_refused(R"({"__metadata__":[1,2],)" + tensor + "}", 8);
  EXPECT_NE(message.find("'__metadata__' is array, expected an object of strings"), std::string::npos) << message;
  message = expect_refused(R"({"__metadata__":{"format":"pt","step":5},)" + tensor + "}", 8);
  EXPECT_NE(message.find("'__metadata__' value 'step' is number, expected a string"), std::string::npos) << message;
}

}  // namespace
}  // namespace lorag::test
