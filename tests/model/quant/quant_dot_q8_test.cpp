// SPDX-License-Identifier: Apache-2.0
// The int8-activation row kernels (model/quant/kernels/quant_dot_q8.h) per type and
// per instruction-set variant, forced, on gguf-py's blocks (scripts/fixtures/
// gguf_formats.py) and on the real default model's blocks, against the dequantized
// weights dotted in double precision.
#include "model/quant/kernels/quant_dot_q8.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>

#include "model/formats/gguf_dequant.h"
#include "model/formats/gguf_file.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::quant::kernels {
namespace {
using formats::GgufType;

// Against the dequantized row times the int8 x *as quantized* (d·q): the block sums
// are exact integers, so only fp32 rounding of the per-block scaling and the
// accumulation differs: the bound of quant_kernels_test, 2e-5 of Σ|w·x|.
constexpr double kRelTol = 2e-5;
// Against the exact fp32 x: x rounded to 8 bits (|error| ≤ d/2, d = max|x|/127 per
// 32, or per 256 for the K-quants: q8_span) gives a normalized mean squared error Σ(y - y_exact)² / Σy_exact² of about
// 3e-5 for normal x; llama.cpp's test-backend-ops bounds its products by NMSE 5e-4,
// which is what we use. A wrong block layout gives an NMSE of order 1.
constexpr double kMaxNmse = 5e-4;
// With one scale per 256 (the K-quants, as llama.cpp's q8_K) x's steps are larger:
// 3.5e-5 over the 512 random-block q4_k rows, but 1.1e-3 over the 3-row q4_k fixture,
// one of whose rows sums to little next to its terms. Still far from a layout error.
constexpr double kMaxNmseSpan256 = 2e-3;

std::vector<float> normal_vector(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> x(n);
  for (auto& v : x) v = normal(rng);
  return x;
}

// Checks every row of `rows` × `cols` blocks `w` of `type` (dequantized: `ref`) with
// every variant this CPU runs; returns how many variants ran.
int check_rows(GgufType type, const std::uint8_t* w, const std::vector<float>& ref, int64_t rows, int64_t cols,
               const std::string& what) {
  const int64_t row_bytes = cols / formats::gguf_type_info(type).block_size * formats::gguf_type_info(type).type_size;
  const std::vector<float> x = normal_vector(cols, 7);
  std::vector<Q8Block> xq(cols / 32);
  quantize_q8(x.data(), cols, xq.data(), active_isa(), q8_span(type));
  int ran = 0;
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    ++ran;
    force_isa(isa);
    const RowDotQ8 dot = row_dot_q8(type, active_isa());
    double err2 = 0, norm2 = 0;
    for (int64_t r = 0; r < rows; ++r) {
      double want = 0, scale = 0, exact = 0;
      for (int64_t k = 0; k < cols; ++k) {
        const double wk = ref[r * cols + k];
        const double xk = static_cast<double>(xq[k / 32].d) * xq[k / 32].q[k % 32];
        want += wk * xk;
        scale += std::fabs(wk * xk);
        exact += wk * x[k];
      }
      const double got = dot(w + r * row_bytes, xq.data(), cols);
      EXPECT_LE(std::fabs(got - want), kRelTol * scale + 1e-30)
          << what << " " << isa_name(isa) << " row " << r << ": got " << got << ", want " << want;
      err2 += (got - exact) * (got - exact);
      norm2 += exact * exact;
    }
    EXPECT_LT(err2 / norm2, q8_span(type) == 256 ? kMaxNmseSpan256 : kMaxNmse) << what << " " << isa_name(isa) << ": nmse against the fp32 x";
  }
  force_isa(std::nullopt);
  return ran;
}

class QuantDotQ8 : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantDotQ8, EveryRowAndVariantMatchesGgufPyDequantizedDot) {
  const auto file = formats::GgufFile::open(test::fixture("gguf/quants.gguf"));
  const auto& t = file.tensor(GetParam());
  const std::vector<float> ref = test::read_f32(test::fixture("gguf/quants/" + GetParam() + ".ref.f32"));
  EXPECT_GE(check_rows(t.type, t.data.data(), ref, t.dims[1], t.dims[0], GetParam()), 1);
}

INSTANTIATE_TEST_SUITE_P(PerType, QuantDotQ8,
                         ::testing::Values("q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k",
                                           "q4_k_large"));

// The real default model (its Q4_1 matrices and Q8_0 embedding), 64 rows of the
// first matrix of each kept type, dequantized by model/formats (bit-exact with
// gguf-py: gguf_dequant_test).
TEST(QuantDotQ8, RealDefaultModelBlocksMatchTheirDequantizedDot) {
  const char* src = std::getenv("LORAG_SOURCE_DIR");
  const auto path = std::filesystem::path(src ? src : ".") / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not installed (scripts/setup.sh)";
  const auto file = formats::GgufFile::open(path);
  std::set<GgufType> seen;
  for (const auto& t : file.tensors()) {
    if (t.dims.size() != 2 || !can_keep_quantized(t.type) || !seen.insert(t.type).second) continue;
    const int64_t cols = t.dims[0], rows = std::min<int64_t>(64, t.dims[1]);
    std::vector<float> ref(rows * cols);
    const int64_t row_bytes = static_cast<int64_t>(t.n_bytes) / t.dims[1];
    for (int64_t r = 0; r < rows; ++r) formats::dequantize_row(t.type, t.data.data() + r * row_bytes, cols, &ref[r * cols]);
    check_rows(t.type, t.data.data(), ref, rows, cols, t.name);
  }
  EXPECT_EQ(seen, (std::set<GgufType>{GgufType::kQ4_1, GgufType::kQ8_0}));
}

TEST(QuantDotQ8, QuantizedXIsWithinHalfAStepAndCarriesItsSums) {
  std::vector<float> x = normal_vector(96, 3);
  for (int l = 0; l < 32; ++l) x[32 + l] = 0.0f;  // an all-zero block: d = 0, no division by it
  x[64] = 1e-30f;
  std::vector<Q8Block> xq(3);
  quantize_q8(x.data(), 96, xq.data());
  EXPECT_EQ(xq[1].d, 0.0f);
  for (int b = 0; b < 3; ++b) {
    int sum = 0;
    for (int l = 0; l < 32; ++l) {
      EXPECT_LE(std::fabs(xq[b].d * xq[b].q[l] - x[32 * b + l]), 0.5f * xq[b].d * (1 + 1e-6f) + 1e-35f) << b << "," << l;
      EXPECT_LE(std::abs(xq[b].q[l]), 127);
      sum += xq[b].q[l];
    }
    EXPECT_EQ(xq[b].span_sums[0], sum);  // a span of 32: each block is its span's first
    for (int j = 1; j < 8; ++j) EXPECT_EQ(xq[b].span_sums[j], 0);
    EXPECT_FLOAT_EQ(xq[b].s, xq[b].d * static_cast<float>(sum));
  }
}

// The K-quants' span: every block of 256 values carries the d of the whole span's
// max|x|, and its quants are x / d rounded; a span of 32 keeps each block's own d.
TEST(QuantDotQ8, ASpanOf256SharesOneScaleAcrossEightBlocks) {
  std::vector<float> x = normal_vector(512, 9);
  x[300] = 40.0f;  // the second span's max
  EXPECT_EQ(q8_span(GgufType::kQ4_K), 256);
  EXPECT_EQ(q8_span(GgufType::kQ6_K), 256);
  EXPECT_EQ(q8_span(GgufType::kQ4_1), 32);
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    std::vector<Q8Block> xq(16), per32(16);
    quantize_q8(x.data(), 512, xq.data(), isa, 256);
    quantize_q8(x.data(), 512, per32.data(), isa, 32);
    for (int s = 0; s < 2; ++s) {
      float amax = 0.0f;
      for (int l = 0; l < 256; ++l) amax = std::max(amax, std::fabs(x[256 * s + l]));
      for (int b = 8 * s; b < 8 * s + 8; ++b) {
        EXPECT_EQ(xq[b].d, amax / 127.0f) << isa_name(isa) << " block " << b;
        int sum = 0;
        for (int l = 0; l < 32; ++l) {
          EXPECT_EQ(xq[b].q[l], static_cast<int>(std::nearbyint(x[32 * b + l] * (1.0f / xq[b].d))))
              << isa_name(isa) << " block " << b << " value " << l;
          sum += xq[b].q[l];
        }
        // The span's first block carries every block's Σq (q4_K's mins read them there).
        EXPECT_EQ(xq[8 * s].span_sums[b - 8 * s], sum) << isa_name(isa) << " block " << b;
        if (b > 8 * s) EXPECT_EQ(xq[b].span_sums[0], 0) << isa_name(isa) << " block " << b;
      }
    }
    EXPECT_EQ(xq[9].d, 40.0f / 127.0f);
    EXPECT_LT(per32[10].d, xq[10].d) << "a span of 32 keeps its own max";
  }
}

TEST(QuantDotQ8, EveryVariantQuantizesXToTheSameBlocks) {
  std::vector<float> x = normal_vector(4096, 5);
  for (int64_t k = 0; k < 4096; k += 3) x[k] *= 100.0f;  // blocks with outliers
  for (int l = 0; l < 32; ++l) x[64 + l] = 0.0f;
  std::vector<Q8Block> want(128);
  quantize_q8(x.data(), 4096, want.data(), Isa::kScalar);
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    std::vector<Q8Block> got(128);
    quantize_q8(x.data(), 4096, got.data(), isa);
    std::vector<Q8Block> got256(128), want256(128);
    quantize_q8(x.data(), 4096, got256.data(), isa, 256);
    quantize_q8(x.data(), 4096, want256.data(), Isa::kScalar, 256);
    EXPECT_EQ(std::memcmp(got256.data(), want256.data(), sizeof(Q8Block) * 128), 0) << isa_name(isa) << " span 256";
    for (int b = 0; b < 128; ++b) {
      EXPECT_EQ(got[b].d, want[b].d) << isa_name(isa) << " block " << b;
      EXPECT_EQ(got[b].s, want[b].s) << isa_name(isa) << " block " << b;
      EXPECT_EQ(std::memcmp(got[b].span_sums, want[b].span_sums, sizeof got[b].span_sums), 0)
          << isa_name(isa) << " block " << b;
      EXPECT_EQ(std::memcmp(got[b].q, want[b].q, 32), 0) << isa_name(isa) << " block " << b;
    }
  }
}

TEST(QuantDotQ8, EveryKeptTypeHasAKernelInEveryVariant) {
  for (GgufType t : {GgufType::kQ4_0, GgufType::kQ4_1, GgufType::kQ5_0, GgufType::kQ5_1, GgufType::kQ8_0,
                     GgufType::kQ4_K, GgufType::kQ5_K, GgufType::kQ6_K}) {
    for (Isa isa : kAllIsas) EXPECT_NE(row_dot_q8(t, isa), nullptr) << isa_name(isa);
#if defined(__x86_64__)
    EXPECT_NE(detail::row_dot_q8_avx2(t), nullptr);
    EXPECT_NE(detail::row_dot_q8_avx_vnni(t), nullptr);
    EXPECT_NE(detail::row_dot_q8_avx512_vnni(t), nullptr);
#endif
  }
  EXPECT_EQ(row_dot_q8(GgufType::kQ2_K, Isa::kScalar), nullptr);
}

}  // namespace
}  // namespace lorag::model::quant::kernels
