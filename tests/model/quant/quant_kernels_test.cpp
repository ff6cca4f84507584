// SPDX-License-Identifier: Apache-2.0
// The row kernels (model/quant/kernels) per type and per instruction-set variant,
// forced, on gguf-py's blocks (scripts/fixtures/gguf_formats.py: real quantizations
// for the legacy types, random blocks for the K-quants) against gguf-py's
// dequantized values dotted in double precision.
#include "model/quant/kernels/quant_dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model/formats/gguf_file.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::quant::kernels {
namespace {
using formats::GgufType;

// Tolerance, relative to Σ|w·x| of the row: the kernels accumulate in fp32 in an
// order of their own (per block, then across SIMD lanes), so each of the `cols`
// products and partial sums can round once; the classic bound is cols·eps·Σ|w·x|,
// but rounding errors of random signs grow like √cols, so 8·√512·eps ≈ 2e-5 with
// margin; an error in a block layout is of the order of the values themselves.
constexpr double kRelTol = 2e-5;

struct Case {
  const char* tensor;  // in gguf/quants.gguf
  Isa isa;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(info.param.tensor) + "_" + std::string(isa_name(info.param.isa));
}

class QuantDot : public ::testing::TestWithParam<Case> {};

TEST_P(QuantDot, EveryRowMatchesGgufPyDequantizedDot) {
  const Case c = GetParam();
  if (!cpu_runs(c.isa)) GTEST_SKIP() << "this cpu has no " << isa_name(c.isa);
  const auto file = formats::GgufFile::open(test::fixture("gguf/quants.gguf"));
  const auto& t = file.tensor(c.tensor);
  ASSERT_TRUE(can_keep_quantized(t.type));
  if (c.isa != Isa::kScalar) EXPECT_TRUE(has_simd_kernel(t.type, c.isa)) << "falls back to a lower variant";
  const std::vector<float> ref = test::read_f32(test::fixture(std::string("gguf/quants/") + c.tensor + ".ref.f32"));
  const int64_t cols = t.dims[0], rows = t.dims[1];
  const int64_t row_bytes = static_cast<int64_t>(t.n_bytes) / rows;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> x(cols), xsum(cols / 32, 0.0f);
  for (int64_t k = 0; k < cols; ++k) {
    x[k] = normal(rng);
    xsum[k / 32] += x[k];
  }
  force_isa(c.isa);
  const RowDot dot = row_dot(t.type, c.isa);
  for (int64_t r = 0; r < rows; ++r) {
    double want = 0, scale = 0;
    for (int64_t k = 0; k < cols; ++k) {
      want += static_cast<double>(ref[r * cols + k]) * x[k];
      scale += std::fabs(static_cast<double>(ref[r * cols + k]) * x[k]);
    }
    const float got = dot(t.data.data() + r * row_bytes, x.data(), xsum.data(), cols);
    EXPECT_LE(std::fabs(got - want), kRelTol * scale + 1e-30) << c.tensor << " row " << r << ": got " << got
                                                              << ", want " << want;
  }
  force_isa(std::nullopt);
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const char* tensor : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k", "q4_k_large"}) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) out.push_back({tensor, isa});
  }
  return out;
}
INSTANTIATE_TEST_SUITE_P(PerTypeAndIsa, QuantDot, ::testing::ValuesIn(all_cases()), case_name);

TEST(QuantDot, ForcingAnIsaTheCpuLacksIsAnError) {
  int lacking = 0;
  for (Isa isa : kAllIsas) {
    if (cpu_runs(isa)) continue;
    ++lacking;
    EXPECT_NE(test::error_of<UsageError>([isa] { force_isa(isa); })
                  .find("cannot force " + std::string(isa_name(isa)) + " kernels: this cpu lacks it"),
              std::string::npos);
    EXPECT_EQ(active_isa(), detected_isa());
  }
  if (lacking == 0) GTEST_SKIP() << "this cpu runs every variant";
}

TEST(QuantDot, DetectedIsaIsTheBestTheCpuRuns) {
  EXPECT_TRUE(cpu_runs(Isa::kScalar));
  EXPECT_TRUE(cpu_runs(detected_isa()));
  for (Isa isa : kAllIsas) {
    if (static_cast<int>(isa) > static_cast<int>(detected_isa())) EXPECT_FALSE(cpu_runs(isa)) << isa_name(isa);
  }
}

TEST(QuantDot, KeepsExactlyTheTypesWithKernels) {
  for (GgufType t : {GgufType::kQ4_0, GgufType::kQ4_1, GgufType::kQ5_0, GgufType::kQ5_1, GgufType::kQ8_0,
                     GgufType::kQ4_K, GgufType::kQ5_K, GgufType::kQ6_K}) {
    EXPECT_TRUE(can_keep_quantized(t));
    EXPECT_NE(row_dot(t, Isa::kScalar), nullptr);
  }
  for (GgufType t : {GgufType::kF32, GgufType::kF16, GgufType::kBF16, GgufType::kQ2_K, GgufType::kQ3_K}) {
    EXPECT_FALSE(can_keep_quantized(t));
    EXPECT_EQ(row_dot(t, Isa::kScalar), nullptr);
  }
}

}  // namespace
}  // namespace lorag::model::quant::kernels
