// SPDX-License-Identifier: Apache-2.0
// The NCCL path: one process through ProcessGroupNCCL on cuda:0 trains the same
// adapter as the plain CUDA run.
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "tests/train/dist_test_util.h"

namespace lorag::test {
namespace {

// fp32 on CUDA: the same kernels; NCCL's sum of one rank is a copy.
constexpr double kAdapterTolerance = 1e-5;

TEST(DistGroupGpu, WorldOfOneThroughNcclEqualsThePlainRun) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  std::string backends;
  if (!train::distributed_support(&backends) || backends.find("nccl") == std::string::npos) {
    GTEST_SKIP() << "built without NCCL: " << backends;
  }
  auto plain_model = model::load_model(fixture("models/chat_bpe"), {"cuda:0", "fp32"});
  const auto plain = train_qa(plain_model, temp_dir("dist_cuda_plain"), nullptr);
  auto dist_model = model::load_model(fixture("models/chat_bpe"), {"cuda:0", "fp32"});
  train::DistGroup group(single_rank_env(), c10::Device("cuda:0"), std::chrono::seconds(120));
  const auto dist = train_qa(dist_model, temp_dir("dist_cuda_nccl"), &group);
  ASSERT_EQ(plain.size(), dist.size());
  for (const auto& [key, t] : plain) {
    ASSERT_TRUE(dist.count(key)) << key;
    EXPECT_LT(max_abs_diff(t.cpu(), dist.at(key).cpu()), kAdapterTolerance) << key;
  }
}

}  // namespace
}  // namespace lorag::test
