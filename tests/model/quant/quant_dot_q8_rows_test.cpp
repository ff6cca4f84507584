// SPDX-License-Identifier: Apache-2.0
// The several-rows int8 kernels (model/quant/kernels/quant_dot_q8.h, RowsDotQ8) per
// type and per instruction-set variant, forced: for 1 to kMaxQ8Rows x rows they give
// bit for bit the one-row kernel's result for each x row (they keep its per-row
// summation order), on gguf-py's blocks and on the real default model's blocks. The
// one-row kernels themselves are checked against dequantize-then-dot in
// quant_dot_q8_test. Also the fp32-x several-rows kernel of the output head (RowsDot).
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "model/formats/gguf_file.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/kernels/quant_dot_q8.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::quant::kernels {
namespace {
using formats::GgufType;

// kMaxQ8Rows x rows of `cols` values, each its own normal vector (one with a few
// large outliers, one all zero: d = 0), quantized to int8 blocks of one scale per
// `span`, row i at i·stride.
std::vector<Q8Block> x_rows(int64_t cols, int64_t stride, int span) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<Q8Block> xq(static_cast<std::size_t>(kMaxQ8Rows * stride));
  std::vector<float> x(cols);
  for (int i = 0; i < kMaxQ8Rows; ++i) {
    for (int64_t k = 0; k < cols; ++k) x[k] = i == 5 ? 0.0f : normal(rng) * (i == 2 && k % 37 == 0 ? 50.0f : 1.0f);
    quantize_q8(x.data(), cols, xq.data() + i * stride, Isa::kScalar, span);
  }
  return xq;
}

// For every variant this CPU runs and every row count, each weight row of `w`
// (`rows` rows of `row_bytes`) against the first `cols` values: the several-rows
// kernel equals the one-row kernel per x row, bit for bit. Counts the variants run.
void check_equal_to_one_row(GgufType type, const std::uint8_t* w, int64_t rows, int64_t row_bytes, int64_t cols,
                            const std::string& what, int* ran = nullptr) {
  const int64_t stride = cols / 32 + 3;  // x rows need not be adjacent
  const std::vector<Q8Block> xq = x_rows(cols, stride, q8_span(type));
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    if (ran != nullptr) ++*ran;
    const RowDotQ8 one = row_dot_q8(type, isa);
    const RowsDotQ8 many = rows_dot_q8(type, isa);
    ASSERT_NE(many, nullptr) << what << " " << isa_name(isa);
    for (int64_t r = 0; r < rows; ++r) {
      const std::uint8_t* wr = w + r * row_bytes;
      float want[kMaxQ8Rows];
      for (int i = 0; i < kMaxQ8Rows; ++i) want[i] = one(wr, xq.data() + i * stride, cols);
      for (int n = 1; n <= kMaxQ8Rows; ++n) {
        float got[kMaxQ8Rows + 1];
        got[n] = -1.0f;  // the kernel writes n values, no more
        many(wr, xq.data(), stride, n, cols, got);
        for (int i = 0; i < n; ++i) {
          ASSERT_EQ(std::bit_cast<std::uint32_t>(got[i]), std::bit_cast<std::uint32_t>(want[i]))
              << what << " " << isa_name(isa) << " weight row " << r << ", " << n << " x rows, x row " << i
              << ": got " << got[i] << ", one-row kernel " << want[i];
        }
        ASSERT_EQ(got[n], -1.0f) << what << " " << isa_name(isa) << ": wrote past " << n << " rows";
      }
    }
  }
}

class QuantDotQ8Rows : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantDotQ8Rows, EveryRowCountAndVariantEqualsTheOneRowKernel) {
  const auto file = formats::GgufFile::open(test::fixture("gguf/quants.gguf"));
  const auto& t = file.tensor(GetParam());
  const int64_t rows = std::min<int64_t>(t.dims[1], 16), row_bytes = static_cast<int64_t>(t.n_bytes) / t.dims[1];
  int ran = 0;
  check_equal_to_one_row(t.type, t.data.data(), rows, row_bytes, t.dims[0], GetParam(), &ran);
  EXPECT_GE(ran, 1);
}

// The legacy kernels take two blocks per step: an odd block count (the first 7
// blocks of each row) runs their one-block tail too.
TEST_P(QuantDotQ8Rows, AnOddNumberOfBlocksEqualsTheOneRowKernel) {
  const auto file = formats::GgufFile::open(test::fixture("gguf/quants.gguf"));
  const auto& t = file.tensor(GetParam());
  if (formats::gguf_type_info(t.type).block_size != 32) GTEST_SKIP() << "a K-quant block is 8 x blocks";
  const int64_t row_bytes = static_cast<int64_t>(t.n_bytes) / t.dims[1];
  check_equal_to_one_row(t.type, t.data.data(), t.dims[1], row_bytes, 7 * 32, GetParam() + " (7 blocks)");
}

INSTANTIATE_TEST_SUITE_P(PerType, QuantDotQ8Rows,
                         ::testing::Values("q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k",
                                           "q4_k_large"));

TEST(QuantDotQ8Rows, RealDefaultModelBlocksEqualTheOneRowKernel) {
  const char* src = std::getenv("LORAG_SOURCE_DIR");
  const auto path = std::filesystem::path(src ? src : ".") / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not installed (scripts/setup.sh)";
  const auto file = formats::GgufFile::open(path);
  std::set<GgufType> seen;
  for (const auto& t : file.tensors()) {
    if (t.dims.size() != 2 || !can_keep_quantized(t.type) || !seen.insert(t.type).second) continue;
    const int64_t row_bytes = static_cast<int64_t>(t.n_bytes) / t.dims[1];
    check_equal_to_one_row(t.type, t.data.data(), std::min<int64_t>(32, t.dims[1]), row_bytes, t.dims[0], t.name);
  }
  EXPECT_EQ(seen, (std::set<GgufType>{GgufType::kQ4_1, GgufType::kQ8_0}));
}

// The fp32-x several-rows kernel (RowsDot, q8_0: the output head) against the fp32
// one-row kernel of the same variant, bit for bit, on the fixture's q8_0 blocks and
// the real model's q8_0 embedding (its tied head).
void check_fp32_rows(const std::uint8_t* w, int64_t rows, int64_t row_bytes, int64_t cols, const std::string& what) {
  const int64_t stride = cols + 40;
  std::mt19937 rng(13);
  std::normal_distribution<float> normal;
  std::vector<float> x(kMaxRows * stride), xsum(cols / 32, 0.0f);  // q8_0's kernel ignores Σx
  for (auto& v : x) v = normal(rng);
  int ran = 0;
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    const RowsDot many = rows_dot(GgufType::kQ8_0, isa);
    if (isa != Isa::kScalar) {
      ASSERT_NE(many, nullptr) << what << " " << isa_name(isa);
    } else {
      EXPECT_EQ(many, nullptr) << "the scalar variant loops over its RowDot";
      continue;
    }
    ++ran;
    const RowDot one = row_dot(GgufType::kQ8_0, isa);
    for (int64_t r = 0; r < rows; ++r) {
      const std::uint8_t* wr = w + r * row_bytes;
      for (int n = 1; n <= kMaxRows; ++n) {
        float got[kMaxRows];
        many(wr, x.data(), stride, n, cols, got);
        for (int i = 0; i < n; ++i) {
          const float want = one(wr, x.data() + i * stride, xsum.data(), cols);
          ASSERT_EQ(std::bit_cast<std::uint32_t>(got[i]), std::bit_cast<std::uint32_t>(want))
              << what << " " << isa_name(isa) << " weight row " << r << ", " << n << " x rows, x row " << i;
        }
      }
    }
  }
#if defined(__x86_64__)
  EXPECT_GE(ran, cpu_runs(Isa::kAvx2) ? 1 : 0);
#endif
}

TEST(QuantDotRows, Fp32Q8_0KernelEqualsTheOneRowKernel) {
  const auto file = formats::GgufFile::open(test::fixture("gguf/quants.gguf"));
  const auto& t = file.tensor("q8_0");
  check_fp32_rows(t.data.data(), t.dims[1], static_cast<int64_t>(t.n_bytes) / t.dims[1], t.dims[0], "q8_0");
  // An odd block count runs the one-block tail.
  check_fp32_rows(t.data.data(), t.dims[1], static_cast<int64_t>(t.n_bytes) / t.dims[1], 7 * 32, "q8_0 (7 blocks)");
  EXPECT_EQ(rows_dot(GgufType::kQ4_1, Isa::kAvx2), nullptr);
}

TEST(QuantDotRows, RealDefaultModelHeadEqualsTheOneRowKernel) {
  const char* src = std::getenv("LORAG_SOURCE_DIR");
  const auto path = std::filesystem::path(src ? src : ".") / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not installed (scripts/setup.sh)";
  const auto file = formats::GgufFile::open(path);
  const auto& t = file.tensor("token_embd.weight");
  ASSERT_EQ(t.type, GgufType::kQ8_0);
  check_fp32_rows(t.data.data(), 64, static_cast<int64_t>(t.n_bytes) / t.dims[1], t.dims[0], t.name);
}

TEST(QuantDotQ8Rows, EveryKeptTypeHasAKernelInEveryVariant) {
  for (GgufType t : {GgufType::kQ4_0, GgufType::kQ4_1, GgufType::kQ5_0, GgufType::kQ5_1, GgufType::kQ8_0,
                     GgufType::kQ4_K, GgufType::kQ5_K, GgufType::kQ6_K}) {
    for (Isa isa : kAllIsas) EXPECT_NE(rows_dot_q8(t, isa), nullptr) << isa_name(isa);
#if defined(__x86_64__)
    EXPECT_NE(detail::rows_dot_q8_avx2(t), nullptr);
    EXPECT_NE(detail::rows_dot_q8_avx_vnni(t), nullptr);
    EXPECT_NE(detail::rows_dot_q8_avx512_vnni(t), nullptr);
#endif
  }
  EXPECT_EQ(rows_dot_q8(GgufType::kQ2_K, Isa::kScalar), nullptr);
}

}  // namespace
}  // namespace lorag::model::quant::kernels
