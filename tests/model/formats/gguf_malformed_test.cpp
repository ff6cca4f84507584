// SPDX-License-Identifier: Apache-2.0
// GgufFile on broken input: every malformation is a one-line FormatError naming
// the file and the problem, never a crash or a huge allocation.
#include <gtest/gtest.h>

#include "model/formats/gguf_file.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::formats {
namespace {

using test::GgufBytes;
using test::gguf_parse_error;

// One f32 tensor "w" of 4 elements after `n_kv` pre-written pairs.
GgufBytes one_tensor_file(std::uint64_t offset = 0, std::uint32_t type = 0) {
  GgufBytes b;
  b.header(1, 0).tensor("w", {4}, type, offset).pad_to(32).zeros(16);
  return b;
}

TEST(GgufFile, AcceptsMinimalHandMadeFile) {
  const GgufBytes b = one_tensor_file();
  const GgufFile file = GgufFile::parse(b.bytes(), "ok.gguf");
  EXPECT_EQ(file.tensor("w").n_bytes, 16u);
  EXPECT_EQ(file.data_offset(), 64u);
}

TEST(GgufFile, RejectsWrongMagic) {
  GgufBytes b = one_tensor_file();
  std::vector<std::uint8_t> bytes = b.bytes();
  bytes[3] = 'L';
  const std::string msg = gguf_parse_error(bytes, "model.gguf");
  LORAG_EXPECT_HAS(msg, "model.gguf: bad magic 'GGUL', expected 'GGUF'");
}

TEST(GgufFile, RejectsTooShortFile) {
  const std::vector<std::uint8_t> bytes = {'G', 'G'};
  LORAG_EXPECT_HAS(gguf_parse_error(bytes), "bad.gguf: truncated: 2 bytes is too short for the gguf magic");
}

TEST(GgufFile, RejectsEmptyFileOnDisk) {
  const auto dir = test::temp_dir("gguf_empty");
  std::ofstream(dir / "empty.gguf").close();
  const std::string msg = test::error_of([&] { GgufFile::open(dir / "empty.gguf"); });
  LORAG_EXPECT_HAS(msg, "empty.gguf: truncated: 0 bytes");
}

TEST(GgufFile, RejectsUnsupportedVersion) {
  GgufBytes v1;
  v1.header(0, 0, 1);
  LORAG_EXPECT_HAS(gguf_parse_error(v1.bytes()), "bad.gguf: unsupported gguf version 1, expected 2 or 3");
  GgufBytes v4;
  v4.header(0, 0, 4);
  LORAG_EXPECT_HAS(gguf_parse_error(v4.bytes()), "unsupported gguf version 4");
  GgufBytes big_endian;
  big_endian.header(0, 0, 0x03000000u);
  LORAG_EXPECT_HAS(gguf_parse_error(big_endian.bytes()), "big-endian gguf files are not supported");
}

TEST(GgufFile, RejectsEveryTruncation) {
  const std::vector<std::uint8_t> full = test::read_bytes(test::fixture("gguf/kitchen_sink.gguf"));
  // Every prefix that cuts into the header, metadata, tensor table or tensor data
  // is malformed (cutting only the trailing padding is not).
  const GgufFile whole = GgufFile::parse(full, "whole.gguf");
  const GgufTensorInfo& last = whole.tensors().back();
  const std::size_t end = whole.data_offset() + last.offset + last.n_bytes;
  for (std::size_t n = 0; n < end; n += (n < 600 || n + 600 > end ? 1 : 97)) {
    const std::span<const std::uint8_t> prefix(full.data(), n);
    const std::string msg = gguf_parse_error(prefix, "cut.gguf");
    EXPECT_EQ(msg.rfind("cut.gguf: ", 0), 0u) << "prefix " << n << ": " << msg;
  }
  LORAG_EXPECT_HAS(gguf_parse_error(std::span(full.data(), 12), "cut.gguf"),
                   "cut.gguf: truncated at offset 8 reading tensor count (need 8 bytes, file is 12 bytes)");
}

TEST(GgufFile, RejectsUnknownTensorType) {
  const GgufBytes b = one_tensor_file(0, 99);
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()), "bad.gguf: tensor 'w' has unknown tensor type 99");
  const GgufBytes retired = one_tensor_file(0, 4);  // ggml's removed Q4_2
  LORAG_EXPECT_HAS(gguf_parse_error(retired.bytes()), "unknown tensor type 4");
}

TEST(GgufFile, RejectsAlignmentOfWrongType) {
  GgufBytes b;
  b.header(0, 1).str("general.alignment").u32(8).str("64");
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()), "bad.gguf: metadata 'general.alignment' is string, expected uint32");
}

TEST(GgufFile, RejectsAlignmentNotPowerOfTwo) {
  GgufBytes b;
  b.header(0, 1).kv_u32("general.alignment", 48);
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()), "'general.alignment' is 48, expected a non-zero power of two");
}

TEST(GgufFile, RejectsStringPastEndOfFile) {
  GgufBytes key;
  key.header(0, 1).u64(1000000000000ull).zeros(20);
  LORAG_EXPECT_HAS(gguf_parse_error(key.bytes()),
                   "bad.gguf: metadata key #0 at offset 24 has length 1000000000000, past the end of the file");
  GgufBytes value;
  value.header(0, 1).str("k").u32(8).u64(50).zeros(10);
  LORAG_EXPECT_HAS(gguf_parse_error(value.bytes()), "value of 'k' at offset 37 has length 50, past the end");
}

TEST(GgufFile, RejectsArrayPastEndOfFile) {
  GgufBytes b;
  b.header(0, 1).str("arr").u32(9).u32(4).u64(1ull << 61).zeros(64);
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()),
                   "bad.gguf: array 'arr' count 2305843009213693952 at offset 51 cannot fit in the 64 bytes");
  GgufBytes strings;  // each string needs at least its 8-byte length
  strings.header(0, 1).str("toks").u32(9).u32(8).u64(9).zeros(64);
  LORAG_EXPECT_HAS(gguf_parse_error(strings.bytes()), "array 'toks' count 9");
}

TEST(GgufFile, RejectsAbsurdCounts) {
  GgufBytes tensors;
  tensors.header(1ull << 60, 0).zeros(100);
  LORAG_EXPECT_HAS(gguf_parse_error(tensors.bytes()), "bad.gguf: tensor count 1152921504606846976 at offset 24");
  GgufBytes kvs;
  kvs.header(0, ~0ull).zeros(100);
  LORAG_EXPECT_HAS(gguf_parse_error(kvs.bytes()), "metadata key/value count 18446744073709551615");
}

TEST(GgufFile, RejectsTensorDataOutOfBounds) {
  const GgufBytes b = one_tensor_file(32);  // 16 bytes at data offset 32, file ends at 80
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()),
                   "bad.gguf: tensor 'w' data (16 bytes at data offset 32, file offset 96) lies past the end of "
                   "the file (80 bytes)");
  const GgufBytes huge = one_tensor_file(~0ull - 31);  // aligned, but wraps around
  LORAG_EXPECT_HAS(gguf_parse_error(huge.bytes()), "lies past the end of the file");
}

TEST(GgufFile, RejectsNonAlignedOffset) {
  const GgufBytes b = one_tensor_file(8);
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()), "bad.gguf: tensor 'w' offset 8 is not a multiple of the alignment 32");
}

TEST(GgufFile, RejectsDuplicateTensorName) {
  GgufBytes b;
  b.header(2, 0).tensor("w", {4}, 0, 0).tensor("w", {4}, 0, 32).pad_to(32).zeros(64);
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()), "bad.gguf: duplicate tensor name 'w'");
}

TEST(GgufFile, RejectsDuplicateMetadataKey) {
  GgufBytes b;
  b.header(0, 2).kv_u32("a.b", 1).kv_u32("a.b", 2);
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()), "bad.gguf: duplicate metadata key 'a.b'");
}

TEST(GgufFile, RejectsUnknownValueTypes) {
  GgufBytes scalar;
  scalar.header(0, 1).str("k").u32(13).u32(0);
  LORAG_EXPECT_HAS(gguf_parse_error(scalar.bytes()), "bad.gguf: metadata 'k' has unknown value type 13");
  GgufBytes element;
  element.header(0, 1).str("k").u32(9).u32(77).u64(1).u32(0);
  LORAG_EXPECT_HAS(gguf_parse_error(element.bytes()), "array 'k' at offset 37 has unknown element type 77");
  GgufBytes nested;
  nested.header(0, 1).str("k").u32(9).u32(9).u64(1).zeros(16);
  LORAG_EXPECT_HAS(gguf_parse_error(nested.bytes()), "array 'k' at offset 37 holds nested arrays");
}

TEST(GgufFile, RejectsBadBool) {
  GgufBytes b;
  b.header(0, 1).str("flag").u32(7).u8(2);
  LORAG_EXPECT_HAS(gguf_parse_error(b.bytes()), "bool value of 'flag' at offset 40 is 2, expected 0 or 1");
}

TEST(GgufFile, RejectsBadDims) {
  GgufBytes five;
  five.header(1, 0).tensor("w", {1, 1, 1, 1, 1}, 0, 0).pad_to(32).zeros(4);
  LORAG_EXPECT_HAS(gguf_parse_error(five.bytes()), "bad.gguf: tensor 'w' has 5 dims, at most 4 are allowed");
  GgufBytes overflow;
  overflow.header(1, 0).tensor("w", {1ull << 40, 1ull << 40}, 0, 0).pad_to(32);
  LORAG_EXPECT_HAS(gguf_parse_error(overflow.bytes()), "tensor 'w' has too many elements");
  GgufBytes negative;
  negative.header(1, 0).tensor("w", {~0ull}, 0, 0).pad_to(32);
  LORAG_EXPECT_HAS(gguf_parse_error(negative.bytes()), "tensor 'w' dim 0 is 18446744073709551615, too large");
  GgufBytes partial_block;
  partial_block.header(1, 0).tensor("w", {33}, 2, 0).pad_to(32).zeros(64);
  LORAG_EXPECT_HAS(gguf_parse_error(partial_block.bytes()),
                   "tensor 'w' row size 33 is not a multiple of the q4_0 block size 32");
}

}  // namespace
}  // namespace lorag::model::formats
