// SPDX-License-Identifier: Apache-2.0
// GGUF blocks run on CUDA (model/quant/quant_cuda.h, label gpu), per kept type, on
// gguf-py's blocks (scripts/fixtures/gguf_formats.py) against gguf-py's dequantized
// weights; and a whole quantized model on CUDA against the same file on the CPU.
#include "model/quant/quant_cuda.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/formats/gguf_file.h"
#include "model/model_loader.h"
#include "model/quant/quantized_weight.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/model/model_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::quant {
namespace {

bool has_cuda() { return torch::cuda::is_available() && cuda::quant_kernels_available(); }

// Dequantization: the kernels do ggml's arithmetic in the same order as the CPU
// reference, unfused, so values agree exactly in practice; 1e-6 of the largest |w|
// only absorbs a contraction nvcc might still make. A wrong bit or nibble errs by
// a whole quantization step (>= 1/64 of the block's range).
constexpr double kDequantTol = 1e-6;
// Products, relative to the largest |x·Wᵀ| (as quantized_weight_test): fp32 sums in
// another order, ~1e-5; bf16 inputs/tiles round to 8 significant bits, ~1%.
constexpr double kFp32Tol = 1e-4;
constexpr double kBf16Tol = 1.0 / 32;

struct Loaded {
  std::shared_ptr<const QuantizedWeight> weight;  // on CUDA
  torch::Tensor dense;                            // gguf-py's dequantization [out, in] fp32, CPU
};

Loaded load(const std::string& name) {
  static const auto file = std::make_shared<formats::GgufFile>(formats::GgufFile::open(test::fixture("gguf/quants.gguf")));
  const auto& t = file->tensor(name);
  const int64_t out = t.dims[1], in = t.dims[0];
  auto blocks = torch::from_blob(const_cast<std::uint8_t*>(t.data.data()),
                                 {out, static_cast<int64_t>(t.n_bytes) / out}, torch::kUInt8).clone();
  auto ref = test::read_f32(test::fixture("gguf/quants/" + name + ".ref.f32"));
  auto dense = torch::from_blob(ref.data(), {out, in}, torch::kFloat32).clone();
  const QuantizedWeight cpu(t.type, out, in, blocks);
  return {std::make_shared<const QuantizedWeight>(cpu.to(torch::kCUDA)), dense};
}

double rel_err(const torch::Tensor& got, const torch::Tensor& want) {
  return ((got.cpu().to(torch::kFloat32) - want).abs().max() / want.abs().max()).item<double>();
}

class QuantCudaTypes : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!has_cuda()) GTEST_SKIP() << "needs CUDA and lorag's CUDA kernels";
  }
};

TEST_P(QuantCudaTypes, DequantizeMatchesGgufPy) {
  auto [w, dense] = load(GetParam());
  ASSERT_TRUE(w->blocks().is_cuda());
  auto got = w->dequantize(torch::kFloat32);
  ASSERT_TRUE(got.is_cuda());
  ASSERT_EQ(got.sizes(), dense.sizes());
  EXPECT_LE(rel_err(got, dense), kDequantTol);
  EXPECT_LE(rel_err(w->dequantize(torch::kFloat32, 1, 3), dense.slice(0, 1, 3)), kDequantTol);
  auto bf16 = w->dequantize(torch::kBFloat16);
  EXPECT_EQ(bf16.scalar_type(), torch::kBFloat16);
  EXPECT_LT(rel_err(bf16, dense), 1.0 / 128);  // one bf16 rounding of each value
}

TEST_P(QuantCudaTypes, MatmulMatchesDenseForDecodeAndPrefillShapes) {
  auto [w, dense] = load(GetParam());
  torch::manual_seed(3);
  // 1 and 3 rows: the matvec kernel; 9 and 40 rows: dequantized tiles and matmul.
  for (int64_t rows : {1, 3, 9, 40}) {
    auto x = torch::randn({rows, 1, w->in_features()});
    auto want = torch::matmul(x, dense.t());
    auto got = w->matmul(x.cuda());
    ASSERT_TRUE(got.is_cuda());
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LT(rel_err(got, want), kFp32Tol) << rows << " rows fp32";
    auto got_bf16 = w->matmul(x.cuda().to(torch::kBFloat16));
    EXPECT_EQ(got_bf16.scalar_type(), torch::kBFloat16);
    EXPECT_LT(rel_err(got_bf16, want), kBf16Tol) << rows << " rows bf16";
  }
}

TEST_P(QuantCudaTypes, EmbeddingRowsMatchGgufPy) {
  auto [w, dense] = load(GetParam());
  auto ids = torch::tensor({int64_t{0}, w->out_features() - 1, int64_t{1}, int64_t{0}}).view({2, 2});
  auto got = w->embedding(ids.cuda(), torch::kFloat32);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{2, 2, w->in_features()}));
  EXPECT_LE(rel_err(got.view({4, -1}), dense.index_select(0, ids.view({-1}))), kDequantTol);
}

INSTANTIATE_TEST_SUITE_P(Types, QuantCudaTypes,
                         ::testing::Values("q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k",
                                           "q4_k_large"));

TEST(QuantCuda, BackwardGivesTheInputGradientOfTheDenseLayer) {
  if (!has_cuda()) GTEST_SKIP() << "needs CUDA and lorag's CUDA kernels";
  auto [w, dense] = load("q4_k_large");
  torch::manual_seed(4);
  for (int64_t rows : {2, 7}) {
    auto x = torch::randn({rows, w->in_features()});
    auto g = torch::randn({rows, w->out_features()});
    auto xc = x.cuda().requires_grad_(true);
    (quantized_linear(xc, w, {}) * g.cuda()).sum().backward();
    EXPECT_LT(rel_err(xc.grad(), torch::matmul(g, dense)), kFp32Tol) << rows << " rows";
  }
}

TEST(QuantCuda, KeptModelOnCudaMatchesTheCpu) {
  if (!has_cuda()) GTEST_SKIP() << "needs CUDA and lorag's CUDA kernels";
  const auto path = test::fixture("quant_models/mixed") / "model.gguf";
  auto ids = test::read_tensors(test::fixture("quant_models/mixed") / "reference.safetensors").at("input_ids");
  auto gpu = model::load_model(path, {.device = "cuda", .dtype = "fp32", .quantized = "keep"});
  auto cpu = model::load_model(path, {.device = "cpu", .dtype = "fp32", .quantized = "keep"});
  EXPECT_EQ(gpu.quantized_tensors, cpu.quantized_tensors);
  ASSERT_TRUE(gpu.net->quantized_embedding());
  EXPECT_TRUE(gpu.net->quantized_embedding()->blocks().is_cuda());
  torch::NoGradGuard no_grad;
  auto want = cpu.net->forward({.input_ids = ids});
  auto got = gpu.net->forward({.input_ids = ids.cuda()});
  EXPECT_LT(rel_err(got, want), kFp32Tol);
}

}  // namespace
}  // namespace lorag::model::quant
