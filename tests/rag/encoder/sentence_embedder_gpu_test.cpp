// SPDX-License-Identifier: Apache-2.0
// The sentence embedder on CUDA equals the CPU result (gpu label; skipped without CUDA).
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "rag/encoder/sentence_embedder.h"
#include "tests/test_util.h"

namespace lorag::rag::encoder {
namespace {
namespace fs = std::filesystem;

// TF32 is off by default for matmuls in LibTorch; fp32 kernels still differ in
// summation order from the CPU ones.
constexpr double kTolerance = 1e-4;

void expect_cuda_equals_cpu(const fs::path& model, const std::vector<std::string>& texts) {
  const auto cpu = load_sentence_embedder(model, "cpu");
  const auto cuda = load_sentence_embedder(model, "cuda");
  const auto a = cpu->embed(texts);
  const auto b = cuda->embed(texts);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], kTolerance) << "value " << i;
}

TEST(SentenceEmbedderGpu, CudaEqualsCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const std::vector<std::string> texts = {"Hello world", "", "Café naïve 日本語",
                                          "The quick brown fox jumps over the lazy dog. Again and again."};
  expect_cuda_equals_cpu(test::fixture("rag_encoder/tiny_bert"), texts);
  const fs::path minilm = fs::path(LORAG_TEST_SOURCE_DIR) / "models/all-MiniLM-L6-v2";
  if (fs::exists(minilm / "config.json")) expect_cuda_equals_cpu(minilm, texts);
}

}  // namespace
}  // namespace lorag::rag::encoder
