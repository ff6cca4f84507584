// SPDX-License-Identifier: Apache-2.0
// GgufFile on well-formed files written by gguf-py: every metadata type, tensor
// tables, custom alignment, version 2, and the typed getters' conversions.
#include "model/formats/gguf_file.h"

#include <gtest/gtest.h>

#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::formats {
namespace {

using nlohmann::json;

// Compares one metadata value with its JSON expectation from gguf_formats.py.
void expect_value(const GgufMetadata& meta, const std::string& key, const json& want) {
  SCOPED_TRACE(key);
  const GgufValue& value = meta.get(key);
  EXPECT_EQ(value.type_name(), want["type"].get<std::string>());
  const json& v = want["value"];
  const auto& s = value.storage();
  if (auto* u = std::get_if<std::uint64_t>(&s)) {
    EXPECT_EQ(*u, v.get<std::uint64_t>());
  }
  if (auto* i = std::get_if<std::int64_t>(&s)) {
    EXPECT_EQ(*i, v.get<std::int64_t>());
  }
  if (auto* d = std::get_if<double>(&s)) {
    EXPECT_EQ(*d, v.get<double>());  // exact: f32 values widen exactly
  }
  if (auto* b = std::get_if<bool>(&s)) {
    EXPECT_EQ(*b, v.get<bool>());
  }
  if (auto* str = std::get_if<std::string>(&s)) {
    EXPECT_EQ(*str, v.get<std::string>());
  }
  if (auto* us = std::get_if<std::vector<std::uint64_t>>(&s)) {
    EXPECT_EQ(*us, v.get<std::vector<std::uint64_t>>());
  }
  if (auto* is = std::get_if<std::vector<std::int64_t>>(&s)) {
    EXPECT_EQ(*is, v.get<std::vector<std::int64_t>>());
  }
  if (auto* ds = std::get_if<std::vector<double>>(&s)) {
    EXPECT_EQ(*ds, v.get<std::vector<double>>());
  }
  if (auto* bs = std::get_if<std::vector<bool>>(&s)) {
    EXPECT_EQ(*bs, v.get<std::vector<bool>>());
  }
  if (auto* ss = std::get_if<std::vector<std::string>>(&s)) {
    EXPECT_EQ(*ss, v.get<std::vector<std::string>>());
  }
}

TEST(GgufFile, ReadsEveryMetadataTypeWrittenByGgufPy) {
  const GgufFile file = GgufFile::open(test::fixture("gguf/kitchen_sink.gguf"));
  const json expected = test::read_json(test::fixture("gguf/kitchen_sink.json"));
  EXPECT_EQ(file.version(), 3u);
  EXPECT_EQ(file.alignment(), 32u);
  for (const auto& [key, want] : expected.items()) expect_value(file.metadata(), key, want);
  // Every key in the file is expected, in the writer's order.
  ASSERT_EQ(file.metadata().size(), expected.size());
  EXPECT_EQ(file.metadata().entries().front().first, "general.architecture");
}

TEST(GgufFile, TypedGettersConvertBetweenWidths) {
  const GgufFile file = GgufFile::open(test::fixture("gguf/kitchen_sink.gguf"));
  const GgufMetadata& meta = file.metadata();
  EXPECT_EQ(meta.get_string("general.architecture"), "lorag-test");
  EXPECT_EQ(meta.get_u32("test.u8"), 200u);
  EXPECT_EQ(meta.get_i32("test.i8"), -100);
  EXPECT_EQ(meta.get_i64("test.u32"), 4000000000);
  EXPECT_EQ(meta.get_u64("test.u64"), (std::uint64_t{1} << 63) + 5);
  EXPECT_EQ(meta.get_i32("test.small_u32"), 7);
  EXPECT_EQ(meta.get_f32("test.f32"), 0.15625f);
  EXPECT_DOUBLE_EQ(meta.get_f64("test.f64"), 3.141592653589793);
  EXPECT_EQ(meta.get_f32("test.small_u32"), 7.0f);
  EXPECT_TRUE(meta.get_bool("test.bool_true"));
  EXPECT_FALSE(meta.get_bool("test.bool_false"));
  EXPECT_EQ(meta.get_i32_array("test.arr_i32"), (std::vector<std::int32_t>{-5, 0, 5, 2147483647}));
  EXPECT_EQ(meta.get_i32_array("test.arr_u8"), (std::vector<std::int32_t>{0, 1, 255}));
  EXPECT_EQ(meta.get_u8_array("test.arr_u8"), (std::vector<std::uint8_t>{0, 1, 255}));
  EXPECT_EQ(meta.get_f32_array("test.arr_f32"), (std::vector<float>{0.5f, -1.25f, 1e-3f}));
  EXPECT_EQ(meta.get_string_array("test.arr_str").at(2), "<|im_start|>");
  EXPECT_EQ(meta.get_string_array("test.arr_str_big").size(), 1000u);
  EXPECT_EQ(meta.get_array_size("test.arr_str_big"), 1000u);
  EXPECT_EQ(meta.get_u32_or("missing.key", 11u), 11u);
  EXPECT_EQ(meta.get_string_or("missing.key", "x"), "x");
  EXPECT_TRUE(meta.has("test.u8"));
  EXPECT_FALSE(meta.has("test.nope"));
  EXPECT_EQ(meta.find("test.nope"), nullptr);
}

TEST(GgufFile, GetterErrorsNameKeyAndTypes) {
  const GgufFile file = GgufFile::open(test::fixture("gguf/kitchen_sink.gguf"));
  const GgufMetadata& meta = file.metadata();
  std::string msg = test::error_of([&] { meta.get_u32("test.string"); });
  LORAG_EXPECT_HAS(msg, "kitchen_sink.gguf: metadata 'test.string' is string, expected uint32");
  msg = test::error_of([&] { meta.get_string("test.u32"); });
  LORAG_EXPECT_HAS(msg, "metadata 'test.u32' is uint32, expected string");
  msg = test::error_of([&] { meta.get_u32("test.u64"); });
  LORAG_EXPECT_HAS(msg, "metadata 'test.u64' = 9223372036854775813 does not fit in uint32");
  msg = test::error_of([&] { meta.get_u32("test.i8"); });
  LORAG_EXPECT_HAS(msg, "'test.i8' = -100 does not fit in uint32");
  msg = test::error_of([&] { meta.get_string_array("test.arr_i32"); });
  LORAG_EXPECT_HAS(msg, "'test.arr_i32' is array[int32], expected array[string]");
  msg = test::error_of([&] { meta.get_i32_array("test.arr_u32"); });
  LORAG_EXPECT_HAS(msg, "'test.arr_u32'[2] = 4294967295 does not fit in int32");
  msg = test::error_of([&] { meta.get_bool("test.arr_bool"); });
  LORAG_EXPECT_HAS(msg, "'test.arr_bool' is array[bool], expected bool");
  msg = test::error_of([&] { meta.get_f32("no.such.key"); });
  LORAG_EXPECT_HAS(msg, "metadata key 'no.such.key' not found");
  msg = test::error_of([&] { meta.get_u32_or("test.string", 1); });
  LORAG_EXPECT_HAS(msg, "is string, expected uint32");
}

TEST(GgufFile, ReadsTensorTable) {
  const GgufFile file = GgufFile::open(test::fixture("gguf/kitchen_sink.gguf"));
  ASSERT_EQ(file.tensors().size(), 1u);
  const GgufTensorInfo& t = file.tensor("tiny");
  EXPECT_EQ(t.dims, (std::vector<std::int64_t>{3, 2}));  // numpy (2, 3) is ggml {3, 2}
  EXPECT_EQ(t.torch_shape(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(t.type, GgufType::kF32);
  EXPECT_EQ(t.n_elements, 6);
  EXPECT_EQ(t.n_bytes, 24u);
  EXPECT_EQ(file.data_offset() % 32, 0u);
  ASSERT_EQ(t.data.size(), 24u);
  float v[6];
  std::memcpy(v, t.data.data(), sizeof(v));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(v[i], static_cast<float>(i));
  EXPECT_EQ(file.find_tensor("nope"), nullptr);
  LORAG_EXPECT_HAS(test::error_of([&] { file.tensor("nope"); }), "kitchen_sink.gguf: tensor 'nope' not found");
}

TEST(GgufFile, HonoursCustomAlignment) {
  const GgufFile file = GgufFile::open(test::fixture("gguf/aligned64.gguf"));
  EXPECT_EQ(file.alignment(), 64u);
  EXPECT_EQ(file.data_offset() % 64, 0u);
  ASSERT_EQ(file.tensors().size(), 3u);
  for (const GgufTensorInfo& t : file.tensors()) EXPECT_EQ(t.offset % 64, 0u) << t.name;
  const GgufTensorInfo& b = file.tensor("b");
  EXPECT_EQ(b.dims, (std::vector<std::int64_t>{5, 4}));
  float last;
  std::memcpy(&last, b.data.data() + 19 * 4, 4);
  EXPECT_EQ(last, 9.5f);
  EXPECT_EQ(file.tensor("c").type, GgufType::kF16);
  EXPECT_EQ(file.tensor("c").dims, (std::vector<std::int64_t>{2, 2, 2}));
}

TEST(GgufFile, ReadsVersion2) {
  // v2 and v3 share the little-endian layout; v3 only added big-endian files.
  std::vector<std::uint8_t> bytes = test::read_bytes(test::fixture("gguf/aligned64.gguf"));
  bytes[4] = 2;
  const GgufFile file = GgufFile::parse(bytes, "v2.gguf");
  EXPECT_EQ(file.version(), 2u);
  EXPECT_EQ(file.tensors().size(), 3u);
}

TEST(GgufFile, ParsesBytesAndSurvivesMove) {
  GgufFile file = GgufFile::open(test::fixture("gguf/aligned64.gguf"));
  const std::uint8_t* before = file.tensor("a").data.data();
  GgufFile moved = std::move(file);
  EXPECT_EQ(moved.tensor("a").data.data(), before);  // the mapping does not move
  float a2;
  std::memcpy(&a2, moved.tensor("a").data.data() + 8, 4);
  EXPECT_EQ(a2, 2.0f);
}

TEST(GgufFile, ReportsMissingFileAsIoError) {
  const std::string msg = test::error_of<IoError>([] { GgufFile::open("/nonexistent/dir/x.gguf"); });
  LORAG_EXPECT_HAS(msg, "/nonexistent/dir/x.gguf: cannot open for reading");
}

}  // namespace
}  // namespace lorag::model::formats
