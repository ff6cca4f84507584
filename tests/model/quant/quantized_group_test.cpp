// SPDX-License-Identifier: Apache-2.0
// QuantizedWeight::matmul_group (several weights sharing x in one parallel region, an
// attention's q/k/v at decode) against each weight's own matmul, bit for bit.
#include "model/quant/quantized_weight.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/formats/gguf_file.h"
#include "model/quant/kernels/quant_dot.h"
#include "tests/test_util.h"

namespace lorag::model::quant {
namespace {

std::shared_ptr<const QuantizedWeight> load(const std::string& name) {
  static const auto file =
      std::make_shared<formats::GgufFile>(formats::GgufFile::open(test::fixture("gguf/quants.gguf")));
  const auto& t = file->tensor(name);
  const int64_t out = t.dims[1], in = t.dims[0];
  auto blocks = torch::from_blob(const_cast<std::uint8_t*>(t.data.data()),
                                 {out, static_cast<int64_t>(t.n_bytes) / out}, torch::kUInt8).clone();
  return std::make_shared<const QuantizedWeight>(t.type, out, in, blocks);
}

TEST(QuantizedGroup, EachOutputEqualsItsWeightsOwnMatmulForMixedTypes) {
  // Two groups of one in_features each, types mixed as in a Q4_K_M file.
  const std::vector<std::vector<std::string>> groups = {{"q4_0", "q4_1", "q5_0", "q5_1", "q8_0"},
                                                        {"q4_k", "q6_k", "q5_k", "q4_k_large"}};
  torch::manual_seed(9);
  for (const auto& names : groups) {
    std::vector<std::shared_ptr<const QuantizedWeight>> owned;
    std::vector<const QuantizedWeight*> weights;
    for (const auto& n : names) {
      owned.push_back(load(n));
      weights.push_back(owned.back().get());
    }
    for (int64_t rows : {int64_t{1}, int64_t{3}, QuantizedWeight::kMaxMatvecRows}) {
      for (auto dtype : {torch::kFloat32, torch::kBFloat16}) {
        auto x = torch::randn({rows, 1, weights[0]->in_features()}).to(dtype);  // [N, 1, in]
        auto outs = QuantizedWeight::matmul_group(weights, x);
        ASSERT_EQ(outs.size(), weights.size()) << rows;
        for (std::size_t i = 0; i < weights.size(); ++i) {
          EXPECT_TRUE(torch::equal(outs[i], weights[i]->matmul(x))) << names[i] << " " << dtype << ", " << rows;
        }
      }
    }
  }
}

TEST(QuantizedGroup, DeclinesWhatTheRowKernelsDoNotTake) {
  auto small = load("q8_0"), wide = load("q4_k");  // in 256 and 512
  auto x = torch::randn({1, 256});
  EXPECT_EQ(QuantizedWeight::matmul_group({small.get(), small.get()}, x).size(), 2u);
  EXPECT_TRUE(QuantizedWeight::matmul_group({small.get(), wide.get()}, x).empty()) << "in_features differ";
  EXPECT_TRUE(QuantizedWeight::matmul_group({small.get()}, torch::randn({QuantizedWeight::kMaxMatvecRows + 1, 256}))
                  .empty())
      << "prefill rows go through the tiles";
  EXPECT_TRUE(QuantizedWeight::matmul_group({small.get()}, x.to(torch::kHalf)).empty());
  const kernels::ScopedExactArgmax exact;  // the output head
  EXPECT_TRUE(QuantizedWeight::matmul_group({small.get()}, x).empty());
}

}  // namespace
}  // namespace lorag::model::quant
