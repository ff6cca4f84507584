// SPDX-License-Identifier: Apache-2.0
// GgufWriter -> GgufFile round trips, and gguf-py reading lorag's files.
#include "model/formats/gguf_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "model/formats/gguf_dequant.h"
#include "model/formats/gguf_quantize.h"
#include "model/formats/gguf_file.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::formats {
namespace {

using T = GgufValueType;

GgufWriter sample_writer(std::uint32_t alignment) {
  GgufWriter w(alignment);
  w.set("general.architecture", GgufValue::string("llama"));
  w.set("llama.context_length", GgufValue::u32(4096));
  w.set("test.i8", GgufValue::signed_int(T::kInt8, -7));
  w.set("test.u16", GgufValue::unsigned_int(T::kUint16, 65535));
  w.set("test.i64", GgufValue::signed_int(T::kInt64, INT64_MIN));
  w.set("test.u64", GgufValue::unsigned_int(T::kUint64, UINT64_MAX));
  w.set("test.f32", GgufValue::f32(1e-5f));
  w.set("test.f64", GgufValue::floating(T::kFloat64, -0.1));
  w.set("test.bool", GgufValue::boolean(true));
  w.set("tokenizer.ggml.tokens", GgufValue::string_array({"<s>", "</s>", "héllo", ""}));
  w.set("tokenizer.ggml.scores", GgufValue::floating_array(T::kFloat32, {0.0, -1.5, 2.25, 3.0}));
  w.set("tokenizer.ggml.token_type", GgufValue::signed_array(T::kInt32, {1, 3, 1, 1}));
  w.set("test.bools", GgufValue::bool_array({true, false}));
  w.set("test.u8s", GgufValue::unsigned_array(T::kUint8, {0, 200}));
  return w;
}

std::vector<float> ramp(std::size_t n) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * 0.37f) * 3.0f;
  return v;
}

TEST(GgufWriter, RoundTripsMetadataAndTensors) {
  for (std::uint32_t alignment : {32u, 64u, 8u}) {
    SCOPED_TRACE(alignment);
    GgufWriter w = sample_writer(alignment);
    const std::vector<float> values = ramp(2 * 64);
    w.add_tensor("f32", {64, 2}, values, GgufType::kF32);
    w.add_tensor("f16", {64, 2}, values, GgufType::kF16);
    w.add_tensor("bf16", {64, 2}, values, GgufType::kBF16);
    w.add_tensor("q8_0", {64, 2}, values, GgufType::kQ8_0);
    w.add_tensor("odd", {3}, std::vector<float>{1, 2, 3});
    const auto dir = test::temp_dir("gguf_writer");
    w.write(dir / "out.gguf");

    const GgufFile file = GgufFile::open(dir / "out.gguf");
    EXPECT_EQ(file.version(), 3u);
    EXPECT_EQ(file.alignment(), alignment);
    const GgufMetadata& m = file.metadata();
    EXPECT_EQ(m.has("general.alignment"), alignment != 32);
    EXPECT_EQ(m.get_string("general.architecture"), "llama");
    EXPECT_EQ(m.get("llama.context_length").type(), T::kUint32);
    EXPECT_EQ(m.get_u32("llama.context_length"), 4096u);
    EXPECT_EQ(m.get_i32("test.i8"), -7);
    EXPECT_EQ(m.get("test.u16").type(), T::kUint16);
    EXPECT_EQ(m.get_i64("test.i64"), INT64_MIN);
    EXPECT_EQ(m.get_u64("test.u64"), UINT64_MAX);
    EXPECT_EQ(m.get_f32("test.f32"), 1e-5f);
    EXPECT_EQ(m.get_f64("test.f64"), -0.1);
    EXPECT_TRUE(m.get_bool("test.bool"));
    EXPECT_EQ(m.get_string_array("tokenizer.ggml.tokens"), (std::vector<std::string>{"<s>", "</s>", "héllo", ""}));
    EXPECT_EQ(m.get_f32_array("tokenizer.ggml.scores"), (std::vector<float>{0.0f, -1.5f, 2.25f, 3.0f}));
    EXPECT_EQ(m.get_i32_array("tokenizer.ggml.token_type"), (std::vector<std::int32_t>{1, 3, 1, 1}));
    EXPECT_EQ(m.get("test.bools").type_name(), "array[bool]");
    EXPECT_EQ(m.get_u8_array("test.u8s"), (std::vector<std::uint8_t>{0, 200}));

    ASSERT_EQ(file.tensors().size(), 5u);
    EXPECT_EQ(dequantize_tensor(file.tensor("f32")), values);
    for (const char* name : {"f16", "bf16", "q8_0"}) {
      const GgufTensorInfo& t = file.tensor(name);
      EXPECT_EQ(t.dims, (std::vector<std::int64_t>{64, 2}));
      EXPECT_EQ(t.offset % alignment, 0u);
      // Lossy types: the round trip is exactly encode-then-decode.
      std::vector<float> want(values.size());
      const std::vector<std::uint8_t> bytes = quantize(t.type, values);
      dequantize_row(t.type, bytes.data(), static_cast<std::int64_t>(values.size()), want.data());
      EXPECT_EQ(dequantize_tensor(t), want) << name;
    }
    EXPECT_EQ(dequantize_tensor(file.tensor("odd")), (std::vector<float>{1, 2, 3}));
  }
}

TEST(GgufWriter, RewritesReadFileIdentically) {
  // Kitchen sink from gguf-py -> GgufFile -> GgufWriter -> same bytes.
  const auto path = test::fixture("gguf/kitchen_sink.gguf");
  const GgufFile in = GgufFile::open(path);
  GgufWriter w(static_cast<std::uint32_t>(in.alignment()));
  for (const auto& [key, value] : in.metadata().entries()) w.set(key, value);
  for (const GgufTensorInfo& t : in.tensors()) w.add_tensor(t.name, t.dims, t.type, {t.data.begin(), t.data.end()});
  const std::string out = w.serialize();
  const std::vector<std::uint8_t> original = test::read_bytes(path);
  ASSERT_EQ(out.size(), original.size());
  EXPECT_TRUE(std::equal(out.begin(), out.end(), original.begin(), [](char a, std::uint8_t b) {
    return static_cast<std::uint8_t>(a) == b;
  }));
}

TEST(GgufWriter, GgufPyReadsLoragFiles) {
  const char* python = std::getenv("LORAG_PYTHON");
  const char* source = std::getenv("LORAG_SOURCE_DIR");
  if (python == nullptr || source == nullptr) GTEST_SKIP() << "LORAG_PYTHON / LORAG_SOURCE_DIR not set (run via ctest)";
  GgufWriter w = sample_writer(64);
  w.add_tensor("q8_0", {64, 2}, ramp(128), GgufType::kQ8_0);
  const auto dir = test::temp_dir("gguf_pyread");
  w.write(dir / "lorag.gguf");
  const std::string cmd = std::string(python) + " -c \"import gguf,sys; r=gguf.GGUFReader(sys.argv[1]); "
                          "assert r.tensors[0].name=='q8_0' and r.alignment==64; "
                          "assert r.fields['llama.context_length'].contents()==4096\" " +
                          (dir / "lorag.gguf").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(GgufWriter, RejectsBadTensors) {
  GgufWriter w;
  w.add_tensor("a", {4}, std::vector<float>(4));
  LORAG_EXPECT_HAS(test::error_of([&] { w.add_tensor("a", {4}, std::vector<float>(4)); }),
                   "gguf writer: duplicate tensor name 'a'");
  LORAG_EXPECT_HAS(test::error_of([&] { w.add_tensor("b", {33}, std::vector<float>(33), GgufType::kQ8_0); }),
                   "tensor 'b' row size 33 is not a multiple of the q8_0 block size 32");
  LORAG_EXPECT_HAS(test::error_of([&] { w.add_tensor("c", {4}, GgufType::kF16, std::vector<std::uint8_t>(7)); }),
                   "tensor 'c' has 7 bytes, expected 8");
  LORAG_EXPECT_HAS(test::error_of([] { GgufWriter bad(48); }), "alignment 48 is not a non-zero power of two");
  LORAG_EXPECT_HAS(test::error_of([] { GgufValue::unsigned_int(T::kUint8, 256); }),
                   "256 does not fit in uint8");
}

}  // namespace
}  // namespace lorag::model::formats
