// SPDX-License-Identifier: Apache-2.0
// Dequantization against gguf-py's reference dequantizer (quants.py), plus the
// fp16/bf16 conversions and the q8_0/f16/bf16 encoders against gguf-py's bytes, and
// the K-quant encoders' round trip.
#include "model/formats/gguf_dequant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <utility>

#include "model/formats/gguf_quantize.h"
#include "model/formats/half.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::formats {
namespace {

// Tolerance: the C++ code repeats ggml's (and gguf-py's) float32 operations in
// the same order (`d * sc` first, then `* q - m`), so on x86-64 without FMA the
// results are bit-identical, and the test demands that there. A target that
// contracts `d1 * q - m1` into one FMA skips the product's rounding: the error is
// at most half an ulp of |d1 * q| (2^-24 relative), and |d1 * q| is bounded by the
// block's output range, so 1e-6 of the tensor's largest |value| covers it.
constexpr float kFmaRelTol = 1e-6f;

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  float max_abs = 0.0f;
  for (float w : want) max_abs = std::max(max_abs, std::fabs(w));
  std::size_t exact = 0;
  int bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))) {
      ++exact;
    } else if (!(std::fabs(got[i] - want[i]) <= kFmaRelTol * max_abs) && bad++ < 5) {
      ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << ", gguf-py has " << want[i];
    }
  }
#if defined(__x86_64__) && !defined(__FMA__)
  EXPECT_EQ(exact, got.size()) << what << ": not bit-identical to gguf-py";
#endif
}

class GgufDequant : public ::testing::Test {
 protected:
  void SetUp() override {
    file_.emplace(GgufFile::open(test::fixture("gguf/quants.gguf")));
    index_ = test::read_json(test::fixture("gguf/quants.json"));
  }
  std::optional<GgufFile> file_;
  nlohmann::json index_;
};

TEST_F(GgufDequant, MatchesGgufPyForEveryType) {
  ASSERT_GE(index_.size(), 13u);
  for (const auto& entry : index_) {
    const std::string name = entry["name"];
    SCOPED_TRACE(name);
    const GgufTensorInfo& t = file_->tensor(name);
    EXPECT_EQ(static_cast<int>(t.type), entry["type_id"].get<int>());
    EXPECT_EQ(t.dims, entry["dims"].get<std::vector<std::int64_t>>());
    ASSERT_TRUE(can_dequantize(t.type));
    const std::vector<float> want = test::read_f32(test::fixture("gguf/" + entry["ref"].get<std::string>()));
    std::vector<float> got(static_cast<std::size_t>(t.n_elements));
    dequantize_row(t.type, t.data.data(), t.n_elements, got.data());
    expect_close(got, want, name);
  }
}

TEST_F(GgufDequant, ThreadedTensorEqualsSingleRow) {
  const GgufTensorInfo& t = file_->tensor("q4_k_large");
  std::vector<float> serial(static_cast<std::size_t>(t.n_elements));
  dequantize_row(t.type, t.data.data(), t.n_elements, serial.data());
  for (int threads : {0, 1, 3, 4}) {
    const std::vector<float> parallel = dequantize_tensor(t, threads);
    EXPECT_EQ(parallel, serial) << threads << " threads";
  }
  expect_close(serial, test::read_f32(test::fixture("gguf/quants/q4_k_large.ref.f32")), "q4_k_large");
}

TEST_F(GgufDequant, EncodersMatchGgufPyBytes) {
  // gguf-py's Q8_0 is documented bit-exact with ggml's `quantize_row_q8_0_ref`, and
  // its Q4_0/Q4_1/Q5_0/Q5_1 repeat the `_ref` arithmetic; f16/bf16 are numpy's and
  // ggml's round-to-nearest-even.
  for (const char* name : {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1"}) {
    SCOPED_TRACE(name);
    const GgufTensorInfo& t = file_->tensor(name);
    const std::vector<float> input = test::read_f32(test::fixture(std::string("gguf/quants/") + name + ".input.f32"));
    const std::vector<std::uint8_t> bytes = quantize(t.type, input);
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), t.data.begin(), t.data.end()));
  }
}

// The K-quant encoders (ggml's reference algorithm) decode back near the input:
// root-mean-square error over standard-normal values about step/sqrt(12) (measured
// 0.070, 0.035, 0.017 by tests/cli/quantize_test.py through gguf-py), where a wrong
// nibble, bit or scale layout gives ~1; an all-zero block decodes to zeros.
TEST(GgufEncoders, KQuantsDecodeNearTheirInput) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> x(4 * 256);
  for (auto& v : x) v = normal(rng);
  const std::vector<std::pair<GgufType, double>> cases = {
      {GgufType::kQ4_K, 0.09}, {GgufType::kQ5_K, 0.045}, {GgufType::kQ6_K, 0.025}};
  for (const auto& [type, rmse_bound] : cases) {
    SCOPED_TRACE(gguf_type_info(type).name);
    const std::vector<std::uint8_t> bytes = quantize(type, x);
    ASSERT_EQ(static_cast<std::int64_t>(bytes.size()), 4 * gguf_type_info(type).type_size);
    std::vector<float> y(x.size());
    dequantize_row(type, bytes.data(), static_cast<std::int64_t>(x.size()), y.data());
    double squares = 0;
    for (std::size_t i = 0; i < x.size(); ++i) squares += (y[i] - x[i]) * (y[i] - x[i]);
    const double rmse = std::sqrt(squares / static_cast<double>(x.size()));
    EXPECT_LT(rmse, rmse_bound);
    EXPECT_GT(rmse, 0.0);
    const std::vector<std::uint8_t> zero_bytes = quantize(type, std::vector<float>(256, 0.0f));
    std::vector<float> zeros(256, 1.0f);
    dequantize_row(type, zero_bytes.data(), 256, zeros.data());
    EXPECT_EQ(zeros, std::vector<float>(256, 0.0f));
  }
}

TEST(GgufHalf, Fp16RoundTripsEveryValue) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float f = fp16_to_fp32(static_cast<std::uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(f)))) << h;
      continue;
    }
    ASSERT_EQ(fp32_to_fp16(f), h) << "fp16 bits " << h << " = " << f;
  }
  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);                 // rounds to +inf
  EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7bff);                 // largest finite
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie to even
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);         // tie to even (zero)
  EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);         // tie to even (two)
}

TEST(GgufHalf, Bf16IsTheTopHalf) {
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie to even
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);
  EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(std::nanf("")))));
}

TEST(GgufDequantRow, HandlesQ8KAndPlainIntegers) {
  // q8_K has no gguf-py dequantizer: one hand-made block, d = 0.5.
  std::vector<std::uint8_t> block(292, 0);
  const float d = 0.5f;
  std::memcpy(block.data(), &d, 4);
  block[4] = static_cast<std::uint8_t>(-3);
  block[4 + 255] = 127;
  std::vector<float> out(256);
  dequantize_row(GgufType::kQ8_K, block.data(), 256, out.data());
  EXPECT_EQ(out[0], -1.5f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[255], 63.5f);
  const std::int16_t i16[2] = {-7, 300};
  dequantize_row(GgufType::kI16, i16, 2, out.data());
  EXPECT_EQ(out[0], -7.0f);
  EXPECT_EQ(out[1], 300.0f);
}

TEST(GgufDequantRow, RejectsUnsupportedTypeAndPartialBlocks) {
  float out[64];
  const std::uint8_t zeros[256] = {};
  LORAG_EXPECT_HAS(test::error_of([&] { dequantize_row(GgufType::kIQ2_XXS, zeros, 256, out); }),
                   "gguf: dequantizing iq2_xxs is not supported");
  LORAG_EXPECT_HAS(test::error_of([&] { dequantize_row(GgufType::kQ4_0, zeros, 33, out); }),
                   "cannot dequantize 33 q4_0 elements: not a multiple of the block size 32");
  LORAG_EXPECT_HAS(test::error_of([&] { quantize(GgufType::kQ3_K, std::vector<float>(256)); }),
                   "gguf: writing q3_k tensors is not supported");
}

}  // namespace
}  // namespace lorag::model::formats
