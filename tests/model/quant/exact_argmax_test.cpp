// SPDX-License-Identifier: Apache-2.0
// The output head's screened product (exact_argmax.h): int8 x everywhere, fp32 x where
// a row could hold the maximum. Against the same weight run with fp32 x throughout
// (force_fp32_activations), on rows built as near ties so that int8 x alone flips
// some argmaxes.
#include "model/quant/exact_argmax.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <cstring>

#include "model/formats/gguf_quantize.h"
#include "model/quant/kernels/quant_dot.h"
#include "model/quant/quantized_weight.h"

namespace lorag::model::quant {
namespace {
using formats::GgufType;

constexpr std::array kAllIsas = {kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvxVnni,
                                 kernels::Isa::kAvx512, kernels::Isa::kAvx512Vnni};

struct Fp32Activations {
  Fp32Activations() { kernels::force_fp32_activations(true); }
  ~Fp32Activations() { kernels::force_fp32_activations(false); }
};

// `rows` rows, each one shared random row plus its own noise of `spread` (relative),
// so the outputs crowd together as a head's top logits do; quantized as `type`.
QuantizedWeight near_ties(GgufType type, int64_t rows, int64_t in, double spread, uint64_t seed) {
  torch::manual_seed(seed);
  auto base = torch::randn({1, in});
  auto dense = (base + spread * torch::randn({rows, in})).contiguous();  // [rows, in]
  const auto bytes = formats::quantize(type, std::span<const float>(dense.data_ptr<float>(), dense.numel()));
  auto blocks = torch::empty({rows, static_cast<int64_t>(bytes.size()) / rows}, torch::kUInt8);
  std::memcpy(blocks.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  return QuantizedWeight(type, rows, in, blocks);
}

// x with one large feature per 32, as a final norm's output has a few: they set the
// blocks' scales, so the other features round coarsely and int8 x alone flips near ties.
torch::Tensor activations(int64_t n, int64_t in) {
  auto x = torch::randn({n, in});
  x.slice(1, 5, in, 32).mul_(12.0);
  return x;
}

struct Case {
  GgufType type;
  int64_t in;  // 576: two groups of 256 and one of 64
};

void PrintTo(const Case& c, std::ostream* os) { *os << formats::gguf_type_info(c.type).name << " [.., " << c.in << "]"; }

class ExactArgmax : public ::testing::TestWithParam<Case> {};

TEST_P(ExactArgmax, Int8ErrorStaysWithinTheBoundAndNearIt) {
  const auto [type, in] = GetParam();
  const auto w = near_ties(type, 64, in, 1.0, 3);  // unrelated rows
  const RowMagnitudes m(type, w.blocks().data_ptr<uint8_t>(), w.blocks().size(1), w.out_features(), in);
  double tightest = 0.0;
  for (int trial = 0; trial < 8; ++trial) {
    auto x = activations(1, in);
    const auto int8_y = w.matmul(x)[0];
    torch::Tensor fp32_y;
    {
      const Fp32Activations fp32_x;
      fp32_y = w.matmul(x)[0];
    }
    std::vector<kernels::Q8Block> xq(static_cast<size_t>(in / 32));
    kernels::quantize_q8(x.data_ptr<float>(), in, xq.data(), kernels::active_isa(), kernels::q8_span(type));
    for (int64_t r = 0; r < w.out_features(); ++r) {
      const double err = std::abs(int8_y[r].item<double>() - fp32_y[r].item<double>());
      const double bound = int8_error_bound(m, xq.data(), r);
      ASSERT_LE(err, bound) << "row " << r << " trial " << trial;
      tightest = std::max(tightest, err / bound);
    }
  }
  // A worst-case bound over hundreds of roundings sits ~10-30x above their random sum;
  // one a hundred times looser would screen nothing out.
  EXPECT_GT(tightest, 0.01);
}

TEST_P(ExactArgmax, ArgmaxAndItsValueAreThoseOfFp32XWhereInt8AloneFlips) {
  const auto [type, in] = GetParam();
  const auto plain = near_ties(type, 512, in, 0.05, 7);
  const auto head = plain.for_output_head();
  int flips = 0, trials = 0;
  for (int trial = 0; trial < 500; ++trial) {
    // Each variant in turn: the fp32 rows redone are that variant's fp32 kernel.
    const auto isa = kAllIsas[trial % kAllIsas.size()];
    if (!kernels::cpu_runs(isa)) continue;
    kernels::force_isa(isa);
    auto x = activations(1, in);
    torch::Tensor fp32_y, screened_y;
    {
      const Fp32Activations fp32_x;
      fp32_y = plain.matmul(x)[0];
    }
    {
      const kernels::ScopedExactArgmax exact;
      screened_y = head.matmul(x)[0];
    }
    const auto want = fp32_y.argmax().item<int64_t>();
    ASSERT_EQ(screened_y.argmax().item<int64_t>(), want) << "trial " << trial;
    ASSERT_EQ(screened_y[want].item<float>(), fp32_y[want].item<float>()) << "trial " << trial;  // bit for bit
    flips += plain.matmul(x)[0].argmax().item<int64_t>() != want;
    ++trials;
  }
  kernels::force_isa(std::nullopt);
  EXPECT_GT(flips, 0) << "int8 x alone never flipped in " << trials << " trials: the case tests nothing";
}

TEST_P(ExactArgmax, SeveralRowsGiveEachRowAloneInBothDtypes) {
  const auto [type, in] = GetParam();
  const auto head = near_ties(type, 300, in, 0.05, 11).for_output_head();
  const kernels::ScopedExactArgmax exact;
  for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    auto x = activations(QuantizedWeight::kMaxMatvecRows, in).to(dtype);
    const auto all = head.matmul(x);  // [16, out]
    for (int64_t i = 0; i < x.size(0); ++i) {
      EXPECT_TRUE(torch::equal(all[i], head.matmul(x.slice(0, i, i + 1))[0])) << dtype << " row " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, ExactArgmax,
                         ::testing::Values(Case{GgufType::kQ8_0, 576}, Case{GgufType::kQ4_0, 576},
                                           Case{GgufType::kQ4_1, 576}, Case{GgufType::kQ5_0, 576},
                                           Case{GgufType::kQ5_1, 576}, Case{GgufType::kQ4_K, 512},
                                           Case{GgufType::kQ5_K, 512}, Case{GgufType::kQ6_K, 768}),
                         [](const auto& info) {
                           return std::string(formats::gguf_type_info(info.param.type).name) + "_" +
                                  std::to_string(info.param.in);
                         });

}  // namespace
}  // namespace lorag::model::quant
