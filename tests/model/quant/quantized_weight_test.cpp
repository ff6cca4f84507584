// SPDX-License-Identifier: Apache-2.0
// QuantizedWeight and a LoraLinear over it, against the dense layer whose weight is
// gguf-py's dequantization of the same blocks (scripts/fixtures/gguf_formats.py).
#include "model/quant/quantized_weight.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

#include "model/formats/gguf_file.h"
#include "model/lora_linear.h"
#include "model/quant/kernels/quant_dot.h"
#include "tests/model/formats/gguf_test_util.h"
#include "tests/test_util.h"

namespace lorag::model::quant {
namespace {
using namespace kernels;  // the ISA and activation test hooks

// Relative to the largest |x·Wᵀ| entry. fp32: the kernels and the tile matmuls
// differ from the dense fp32 matmul in summation order only (see quant_kernels_test:
// ~2e-5 of Σ|w·x|, which is within a few times the largest output here). bf16: x
// (and, for tiles, W) is rounded to 8 significant bits, 2^-9 relative per product;
// with random signs a row's error is a few 2^-9 of Σ|w·x|, i.e. up to ~1% of the
// largest output (measured 0.9%), so 2^-5 leaves margin; a wrong block layout errs by O(1).
constexpr double kFp32Tol = 1e-4;
constexpr double kBf16Tol = 1.0 / 32;
// The decode path's default, x quantized to int8 blocks (quant_dot_q8_test): NMSE
// against the fp32 product, llama.cpp's test-backend-ops bound.
constexpr double kInt8MaxNmse = 5e-4;

// Runs the row kernels with fp32 x (the pre-int8 arithmetic) while alive.
struct Fp32Activations {
  Fp32Activations() { force_fp32_activations(true); }
  ~Fp32Activations() { force_fp32_activations(false); }
};

double nmse(const torch::Tensor& got, const torch::Tensor& want) {
  return ((got.to(torch::kFloat64) - want).square().sum() / want.to(torch::kFloat64).square().sum()).item<double>();
}

struct Loaded {
  std::shared_ptr<const QuantizedWeight> weight;
  torch::Tensor dense;  // gguf-py's dequantization [out, in] fp32
};

Loaded load(const std::string& name) {
  static const auto file = std::make_shared<formats::GgufFile>(formats::GgufFile::open(test::fixture("gguf/quants.gguf")));
  const auto& t = file->tensor(name);
  const int64_t out = t.dims[1], in = t.dims[0];
  auto blocks = torch::from_blob(const_cast<std::uint8_t*>(t.data.data()),
                                 {out, static_cast<int64_t>(t.n_bytes) / out}, torch::kUInt8).clone();
  auto ref = test::read_f32(test::fixture("gguf/quants/" + name + ".ref.f32"));
  auto dense = torch::from_blob(ref.data(), {out, in}, torch::kFloat32).clone();
  return {std::make_shared<const QuantizedWeight>(t.type, out, in, blocks), dense};
}

double rel_err(const torch::Tensor& got, const torch::Tensor& want) {
  return ((got.to(torch::kFloat32) - want).abs().max() / want.abs().max()).item<double>();
}

class QuantizedWeightTypes : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantizedWeightTypes, DequantizeIsBitExactWithGgufPy) {
  auto [w, dense] = load(GetParam());
  EXPECT_TRUE(torch::equal(w->dequantize(torch::kFloat32), dense));
  EXPECT_TRUE(torch::equal(w->dequantize(torch::kFloat32, 1, 3), dense.slice(0, 1, 3)));
}

TEST_P(QuantizedWeightTypes, MatmulMatchesDenseForDecodeAndPrefillShapes) {
  auto [w, dense] = load(GetParam());
  const Fp32Activations fp32_x;
  torch::manual_seed(3);
  // 1 and 3 rows run the row kernels; more than kMaxMatvecRows the dequantized tiles.
  for (int64_t rows : {int64_t{1}, int64_t{3}, QuantizedWeight::kMaxMatvecRows + 1}) {
    auto x = torch::randn({rows, 1, w->in_features()});
    auto want = torch::matmul(x, dense.t());
    EXPECT_LT(rel_err(w->matmul(x), want), kFp32Tol) << rows << " rows fp32";
    auto got_bf16 = w->matmul(x.to(torch::kBFloat16));
    EXPECT_EQ(got_bf16.scalar_type(), torch::kBFloat16);
    EXPECT_LT(rel_err(got_bf16, want), kBf16Tol) << rows << " rows bf16";
  }
}

// Prefill's tiles (model/quant/quantized_tiles.cpp): x = the identity makes the
// product W's transpose exactly (products by 1, sums with 0), so every tile must land
// at its rows and bf16 tiles must round each weight as LibTorch's .to(bf16) does.
// With 1 and 2 threads, as the output rows split into one tile or several per thread.
TEST_P(QuantizedWeightTypes, PrefillTilesGiveTheExactTransposeForTheIdentity) {
  auto [w, dense] = load(GetParam());
  const int64_t in = w->in_features();
  ASSERT_GT(in, QuantizedWeight::kMaxMatvecRows);  // the identity's rows take the tile path
  const int threads = torch::get_num_threads();
  for (int t : {1, 2}) {
    torch::set_num_threads(t);
    const auto eye = torch::eye(in);  // [in, in]
    EXPECT_TRUE(torch::equal(w->matmul(eye), dense.t())) << t << " threads fp32";
    EXPECT_TRUE(torch::equal(w->matmul(eye.to(torch::kBFloat16)), dense.to(torch::kBFloat16).t()))
        << t << " threads bf16";
  }
  torch::set_num_threads(threads);
}

TEST_P(QuantizedWeightTypes, EveryIsaGivesTheSameProductWithinTolerance) {
  auto [w, dense] = load(GetParam());
  auto x = torch::randn({2, w->in_features()});
  auto want = torch::matmul(x, dense.t());
  const Fp32Activations fp32_x;
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    force_isa(isa);
    EXPECT_LT(rel_err(w->matmul(x), want), kFp32Tol) << isa_name(isa);
  }
  force_isa(std::nullopt);
}

TEST_P(QuantizedWeightTypes, Int8DecodeProductsMatchDenseForEveryIsaAndDtype) {
  auto [w, dense] = load(GetParam());
  torch::manual_seed(5);
  for (int64_t rows : {1, 4}) {
    auto x = torch::randn({rows, w->in_features()});
    auto want = torch::matmul(x.to(torch::kFloat64), dense.t().to(torch::kFloat64));
    for (Isa isa : kAllIsas) {
      if (!cpu_runs(isa)) continue;
      force_isa(isa);
      EXPECT_LT(nmse(w->matmul(x), want), kInt8MaxNmse) << isa_name(isa) << " fp32, " << rows << " rows";
      auto got_bf16 = w->matmul(x.to(torch::kBFloat16));
      EXPECT_EQ(got_bf16.scalar_type(), torch::kBFloat16);
      // bf16 x and output add 2^-9 relative rounding each (NMSE ~1e-5): the same bound holds.
      EXPECT_LT(nmse(got_bf16, want), kInt8MaxNmse) << isa_name(isa) << " bf16, " << rows << " rows";
    }
    force_isa(std::nullopt);
  }
}

// Several x rows go through the several-rows int8 kernels in groups (and a
// remainder); each row's product equals that row's product alone, bit for bit (x is
// quantized per row, and the kernels keep the one-row summation order), and the
// whole is within the int8 bound of dequantize-then-matmul.
TEST_P(QuantizedWeightTypes, SeveralInt8RowsEqualEachRowAloneAndTheDenseProduct) {
  auto [w, dense] = load(GetParam());
  torch::manual_seed(8);
  for (int64_t rows : {int64_t{2}, int64_t{11}, QuantizedWeight::kMaxMatvecRows}) {
    auto x = torch::randn({rows, w->in_features()});
    auto want = torch::matmul(x.to(torch::kFloat64), dense.t().to(torch::kFloat64));
    for (Isa isa : kAllIsas) {
      if (!cpu_runs(isa)) continue;
      force_isa(isa);
      for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
        auto xd = x.to(dtype);
        auto got = w->matmul(xd);  // [rows, out]
        EXPECT_LT(nmse(got, want), kInt8MaxNmse) << isa_name(isa) << " " << dtype << ", " << rows << " rows";
        for (int64_t i = 0; i < rows; ++i) {
          EXPECT_TRUE(torch::equal(got[i], w->matmul(xd.slice(0, i, i + 1))[0]))
              << isa_name(isa) << " " << dtype << ": row " << i << " of " << rows;
        }
      }
    }
    force_isa(std::nullopt);
  }
}

// The output head's path (fp32 x): several rows (q8_0: the several-rows kernel)
// give each row's product alone, bit for bit, so a stream's logits do not depend on
// which other streams share its decode step.
TEST_P(QuantizedWeightTypes, SeveralFp32RowsEqualEachRowAlone) {
  auto [w, dense] = load(GetParam());
  const ScopedExactArgmax fp32_x;  // a weight not made for_output_head: all rows in fp32 x
  torch::manual_seed(9);
  auto x = torch::randn({11, w->in_features()});
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    force_isa(isa);
    auto got = w->matmul(x);  // [11, out]
    EXPECT_LT(rel_err(got, torch::matmul(x, dense.t())), kFp32Tol) << isa_name(isa);
    for (int64_t i = 0; i < 11; ++i) {
      EXPECT_TRUE(torch::equal(got[i], w->matmul(x.slice(0, i, i + 1))[0])) << isa_name(isa) << ": row " << i;
    }
  }
  force_isa(std::nullopt);
}

TEST(QuantizedWeight, ScopedExactArgmaxSwitchesOnlyItsThreadAndScope) {
  auto [w, dense] = load("q4_1");
  torch::manual_seed(6);
  auto x = torch::randn({1, w->in_features()});
  const auto int8_y = w->matmul(x);
  torch::Tensor fp32_y, scoped_y, other_thread_y;
  {
    const Fp32Activations fp32_x;
    fp32_y = w->matmul(x);
  }
  {
    const ScopedExactArgmax scoped;
    scoped_y = w->matmul(x);
    std::thread([&] { other_thread_y = w->matmul(x); }).join();
  }
  EXPECT_FALSE(torch::equal(int8_y, fp32_y));  // the two arithmetics differ here
  EXPECT_TRUE(torch::equal(scoped_y, fp32_y));
  EXPECT_TRUE(torch::equal(other_thread_y, int8_y));
  EXPECT_TRUE(torch::equal(w->matmul(x), int8_y));  // back to int8 after the scope
}

INSTANTIATE_TEST_SUITE_P(Types, QuantizedWeightTypes,
                         ::testing::Values("q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k",
                                           "q4_k_large"));

TEST(QuantizedLinear, BackwardGivesTheInputGradientOfTheDenseLayer) {
  auto [w, dense] = load("q4_k_large");
  torch::manual_seed(4);
  auto bias = torch::randn({w->out_features()});
  for (int64_t rows : {2, 7}) {
    auto x = torch::randn({rows, w->in_features()}, torch::requires_grad());
    auto x_ref = x.detach().clone().requires_grad_(true);
    auto g = torch::randn({rows, w->out_features()});
    (quantized_linear(x, w, bias) * g).sum().backward();
    (torch::nn::functional::linear(x_ref, dense, bias) * g).sum().backward();
    EXPECT_LT(rel_err(x.grad(), x_ref.grad()), kFp32Tol) << rows << " rows";
  }
}

TEST(QuantizedWeight, RejectsBlocksThatDoNotFitTheShape) {
  auto blocks = torch::zeros({4, 10}, torch::kUInt8);
  EXPECT_NE(test::error_of<ShapeError>([&] { QuantizedWeight(formats::GgufType::kQ8_0, 4, 256, blocks); })
                .find("blocks must be contiguous cpu or cuda uint8 [4, 272] for q8_0 [4, 256]"),
            std::string::npos);
  EXPECT_NE(test::error_of<FormatError>([&] { QuantizedWeight(formats::GgufType::kQ2_K, 4, 256, blocks); })
                .find("type q2_k is not kept quantized"),
            std::string::npos);
}

// The LoRA layer over a quantized base behaves as over the dense one (STYLE §4).
class LoraOverQuantized : public ::testing::Test {
 protected:
  void SetUp() override {
    auto [w, dense] = load("q4_k_large");
    q = LoraLinear(w->in_features(), w->out_features(), true, torch::TensorOptions());
    d = LoraLinear(w->in_features(), w->out_features(), true, torch::TensorOptions());
    torch::NoGradGuard no_grad;
    d->weight.copy_(dense);
    auto bias = torch::randn({w->out_features()});
    d->bias.copy_(bias);
    q->bias.copy_(bias);
    q->set_quantized_base(w);
  }
  LoraLinear q{nullptr}, d{nullptr};
};

TEST_F(LoraOverQuantized, HoldsNoDenseCopy) {
  EXPECT_TRUE(q->quantized_base());
  EXPECT_EQ(q->weight.sizes(), d->weight.sizes());
  EXPECT_LE(q->weight.storage().nbytes(), sizeof(float));
}

TEST_F(LoraOverQuantized, AttachedMergedAndUnmergedMatchTheDenseLayer) {
  const Fp32Activations fp32_x;  // the LoRA mechanism at fp32 tolerance; int8 x: Int8DecodeProducts...
  torch::manual_seed(5);
  // A delta of a few per cent of the base output, so that "the adapter matters" is visible.
  auto a = torch::randn({8, q->in_features()});
  auto b = torch::randn({q->out_features(), 8});
  q->attach(a, b, 2.0, 0.0, "q");
  d->attach(a, b, 2.0, 0.0, "d");
  torch::NoGradGuard no_grad;
  auto x = torch::randn({1, 3, q->in_features()});
  auto want = d->forward(x);
  EXPECT_LT(rel_err(q->forward(x), want), kFp32Tol);
  EXPECT_GT(rel_err(want, torch::nn::functional::linear(x, d->weight, d->bias)), 1e-3);  // the adapter matters
  q->merge();  // dequantizes the base first
  EXPECT_FALSE(q->quantized_base());
  EXPECT_LT(rel_err(q->forward(x), want), kFp32Tol);
  q->unmerge();
  q->detach();
  d->detach();
  EXPECT_LT(rel_err(q->forward(x), d->forward(x)), kFp32Tol);
}

TEST_F(LoraOverQuantized, GradientsReachTheAdapterOnly) {
  q->attach(4, 8.0);
  auto params = q->adapter_parameters();
  auto x = torch::randn({2, 5, q->in_features()});
  q->forward(x).pow(2).sum().backward();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_TRUE(params[1].grad().defined());  // B's gradient (A's is zero-scaled by B = 0 at init)
  EXPECT_GT(params[1].grad().abs().sum().item<double>(), 0.0);
  EXPECT_FALSE(q->weight.grad().defined());
}

}  // namespace
}  // namespace lorag::model::quant
