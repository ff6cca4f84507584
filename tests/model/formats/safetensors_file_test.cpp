// SPDX-License-Identifier: Apache-2.0
// safetensors parsing: good files read, every malformation a FormatError naming the problem.
#include "model/formats/safetensors_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::model::formats {
namespace {

// Bytes of a safetensors file with `header` JSON and `data_bytes` zero bytes of data.
std::vector<uint8_t> file_bytes(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> out(8);
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    SafetensorsFile::parse(bytes, "x.safetensors");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

const char* kGood = R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                    R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}})";

TEST(SafetensorsFile, ReadsEntriesAndMetadata) {
  auto bytes = file_bytes(kGood, 32);
  auto file = SafetensorsFile::parse(bytes, "x.safetensors");
  ASSERT_EQ(file->tensors().size(), 2u);
  EXPECT_EQ(file->at("a").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(file->at("b").dtype, "BF16");
  EXPECT_EQ(file->at("b").data.size(), 8u);
  EXPECT_EQ(file->metadata().at("format"), "pt");
}

TEST(SafetensorsFile, OpensFromDiskAndNamesMissingTensor) {
  auto dir = test::temp_dir("st");
  auto bytes = file_bytes(kGood, 32);
  std::ofstream(dir / "m.safetensors", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto file = SafetensorsFile::open(dir / "m.safetensors");
  try {
    file->at("missing");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("m.safetensors: no tensor 'missing'"), std::string::npos) << e.what();
  }
}

TEST(SafetensorsFile, RejectsTruncatedHeader) {
  auto bytes = file_bytes(kGood, 32);
  bytes.resize(40);
  EXPECT_NE(error_of(bytes).find("exceeds the file size"), std::string::npos) << error_of(bytes);
  EXPECT_NE(error_of({1, 2, 3}).find("too short for a safetensors file"), std::string::npos);
}

TEST(SafetensorsFile, RejectsCorruptJson) {
  EXPECT_NE(error_of(file_bytes("{\"a\": [", 0)).find("header is not valid JSON"), std::string::npos);
}

TEST(SafetensorsFile, RejectsTensorOutsideTheFile) {
  auto bytes = file_bytes(kGood, 28);  // data section 28 bytes, 'b' ends at 32
  EXPECT_NE(error_of(bytes).find("'b' data_offsets [24, 32] are outside the data section of 28 bytes"),
            std::string::npos) << error_of(bytes);
}

TEST(SafetensorsFile, RejectsSizeNotMatchingShape) {
  auto bytes = file_bytes(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 24);
  EXPECT_NE(error_of(bytes).find("'a' has 20 bytes, expected 24 for F32 shape [2,3]"), std::string::npos)
      << error_of(bytes);
}

TEST(SafetensorsFile, RejectsUnknownDtype) {
  auto bytes = file_bytes(R"({"a":{"dtype":"F8_E9M9","shape":[2],"data_offsets":[0,2]}})", 2);
  EXPECT_NE(error_of(bytes).find("'a' has unsupported dtype 'F8_E9M9'"), std::string::npos) << error_of(bytes);
}

TEST(SafetensorsFile, RejectsEntryWithoutOffsets) {
  auto bytes = file_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", 8);
  EXPECT_NE(error_of(bytes).find("'a' needs 'dtype', 'shape' and 'data_offsets'"), std::string::npos);
}

}  // namespace
}  // namespace lorag::model::formats
