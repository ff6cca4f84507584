// SPDX-License-Identifier: Apache-2.0
// The vectorized dequantizers (model/formats/gguf_dequant_avx2.cpp) against the
// scalar ones, bit for bit: on gguf-py's blocks (the scalar ones equal gguf-py's
// values: gguf_dequant_test) and on random bytes, every bit pattern of quants and
// scales (inf and NaN scales included: both multiply the same operands in the same
// order, so even NaN payloads agree).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "model/formats/gguf_dequant.h"
#include "model/formats/gguf_dequant_blocks.h"
#include "model/formats/gguf_file.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::formats {
namespace {

struct Case {
  const char* tensor;  // in gguf/quants.gguf, named after its type
  GgufType type;
  detail::BlockDequantFn scalar;
};

const Case kCases[] = {
    {"q4_0", GgufType::kQ4_0, detail::dequant_q4_0}, {"q4_1", GgufType::kQ4_1, detail::dequant_q4_1},
    {"q5_0", GgufType::kQ5_0, detail::dequant_q5_0}, {"q5_1", GgufType::kQ5_1, detail::dequant_q5_1},
    {"q8_0", GgufType::kQ8_0, detail::dequant_q8_0}, {"q4_k", GgufType::kQ4_K, detail::dequant_q4_k},
    {"q6_k", GgufType::kQ6_K, detail::dequant_q6_k},
};

bool cpu_has_avx2() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

// Runs both on `n_blocks` blocks at `src`; reports the first differing value.
void expect_same_bits(const Case& c, detail::BlockDequantFn simd, const std::uint8_t* src, std::int64_t n_blocks,
                      const std::string& what) {
  const std::int64_t n = n_blocks * gguf_type_info(c.type).block_size;
  std::vector<float> want(n), got(n, -7.0f);
  c.scalar(src, n_blocks, want.data());
  simd(src, n_blocks, got.data());
  for (std::int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(float)), 0)
        << c.tensor << " " << what << " [" << i << "]: got " << got[i] << ", scalar " << want[i];
  }
}

TEST(GgufDequantSimd, EachKernelEqualsTheScalarOneOnGgufPyBlocks) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "this cpu has no avx2";
  const auto file = GgufFile::open(test::fixture("gguf/quants.gguf"));
  for (const Case& c : kCases) {
    const detail::BlockDequantFn simd = detail::simd_block_dequant(c.type);
    ASSERT_NE(simd, nullptr) << c.tensor;
    const auto& t = file.tensor(c.tensor);
    ASSERT_EQ(t.type, c.type);
    expect_same_bits(c, simd, t.data.data(), t.n_elements / gguf_type_info(c.type).block_size, "gguf-py blocks");
  }
}

TEST(GgufDequantSimd, EachKernelEqualsTheScalarOneOnRandomBytes) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "this cpu has no avx2";
  std::mt19937 rng(17);
  for (const Case& c : kCases) {
    const std::int64_t n_blocks = 2048;
    std::vector<std::uint8_t> bytes(n_blocks * gguf_type_info(c.type).type_size);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    expect_same_bits(c, detail::simd_block_dequant(c.type), bytes.data(), n_blocks, "random bytes");
  }
}

TEST(GgufDequantSimd, DequantizeRowUsesTheKernelAndOthersHaveNone) {
  if (!cpu_has_avx2()) {
    for (const Case& c : kCases) EXPECT_EQ(detail::simd_block_dequant(c.type), nullptr) << c.tensor;
    return;
  }
  // dequantize_row of an odd number of blocks, unaligned source and destination.
  const Case& c = kCases[2];
  std::vector<std::uint8_t> bytes(1 + 3 * 22);
  std::mt19937 rng(3);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng() & 0x3F);
  std::vector<float> want(96), got(97);
  c.scalar(bytes.data() + 1, 3, want.data());
  dequantize_row(c.type, bytes.data() + 1, 96, got.data() + 1);
  EXPECT_EQ(std::memcmp(got.data() + 1, want.data(), 96 * sizeof(float)), 0);
  // q5_k (rare in the files llama.cpp writes) keeps its scalar loop.
  EXPECT_EQ(detail::simd_block_dequant(GgufType::kQ5_K), nullptr);
  EXPECT_EQ(detail::simd_block_dequant(GgufType::kF16), nullptr);
}

}  // namespace
}  // namespace lorag::model::formats
