// SPDX-License-Identifier: Apache-2.0
// Batched sampling with per-row settings: the batched warpers equal the per-config
// ones row by row, and a batch of rows picks what each row picks alone, which is
// what torch::multinomial picks from the same generator (the pre-batching path).
#include "infer/row_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <set>

#include "infer/logits_processing.h"

namespace lorag::infer {
namespace {

constexpr int64_t kVocab = 300;

std::vector<GenerateConfig> mixed_configs() {
  return {
      {.temperature = 0.7, .top_k = 20, .seed = 1},
      {.temperature = 0.0},  // greedy
      {.temperature = 1.0, .top_p = 0.8, .seed = 2},
      {.temperature = 1.3, .min_p = 0.05, .repetition_penalty = 1.3, .seed = 3},
      {.temperature = 0.0, .frequency_penalty = 0.8, .presence_penalty = 0.5},  // greedy with penalties
      {.temperature = 0.9, .top_k = 50, .top_p = 0.9, .min_p = 0.02, .frequency_penalty = 0.3, .seed = 4},
  };
}

TEST(RowWarpers, EachRowEqualsWarpLogitsWithItsOwnConfig) {
  torch::manual_seed(5);
  const auto configs = mixed_configs();
  const int64_t N = configs.size();
  auto logits = torch::randn({N, kVocab}) * 3;  // [N, V]
  RowWarpers w;
  std::vector<float> t, p, m;
  std::vector<int64_t> k;
  for (const auto& c : configs) {
    t.push_back(c.temperature > 0 ? c.temperature : 1.0);
    p.push_back(c.top_p);
    m.push_back(c.min_p);
    k.push_back(c.top_k);
  }
  w.temperature = torch::tensor(t).view({N, 1});
  w.top_p = torch::tensor(p).view({N, 1});
  w.min_p = torch::tensor(m).view({N, 1});
  w.top_k = torch::tensor(k, torch::kInt64).view({N, 1});
  auto batched = warp_logits_rows(logits, w);
  for (int64_t i = 0; i < N; ++i) {
    auto config = configs[i];
    if (config.temperature <= 0) config.temperature = 1.0;
    auto alone = warp_logits(logits.narrow(0, i, 1), config);
    EXPECT_TRUE(torch::equal(batched.narrow(0, i, 1), alone)) << "row " << i;
  }
}

TEST(RowSampler, ABatchOfRowsPicksWhatEachRowPicksAlone) {
  torch::manual_seed(6);
  const auto configs = mixed_configs();
  const std::vector<int64_t> prompt = {3, 7, 7, 11, 42};
  std::vector<std::unique_ptr<RowSampler>> batch, alone;
  for (const auto& c : configs) {
    batch.push_back(std::make_unique<RowSampler>(c, prompt, kVocab));
    alone.push_back(std::make_unique<RowSampler>(c, prompt, kVocab));
  }
  std::vector<RowSampler*> rows;
  for (auto& r : batch) rows.push_back(r.get());
  for (int step = 0; step < 12; ++step) {
    auto logits = torch::randn({static_cast<int64_t>(configs.size()), kVocab}) * 2;  // [N, V]
    auto ids = RowSampler::choose_rows(logits, rows);
    for (size_t i = 0; i < configs.size(); ++i) {
      EXPECT_EQ(ids[i], alone[i]->choose(logits.narrow(0, i, 1))) << "step " << step << ", row " << i;
      batch[i]->record(ids[i]);
      alone[i]->record(ids[i]);
    }
  }
}

TEST(RowSampler, SamplesAsTorchMultinomialWithTheSameSeed) {
  torch::manual_seed(7);
  GenerateConfig config{.temperature = 0.8, .top_k = 40, .seed = 99};
  RowSampler sampler(config, {1, 2, 3}, kVocab);
  auto reference = at::make_generator<at::CPUGeneratorImpl>(config.seed);
  std::set<int64_t> distinct;
  for (int step = 0; step < 20; ++step) {
    auto logits = torch::randn({1, kVocab});
    auto probs = warp_logits(logits, config).softmax(-1);
    const int64_t expected = torch::multinomial(probs, 1, false, reference).item<int64_t>();
    const int64_t got = sampler.choose(logits);
    EXPECT_EQ(got, expected) << "step " << step;
    distinct.insert(got);
    sampler.record(got);
  }
  EXPECT_GT(distinct.size(), 5u);  // it really samples
}

}  // namespace
}  // namespace lorag::infer
