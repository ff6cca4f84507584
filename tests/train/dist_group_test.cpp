// SPDX-License-Identifier: Apache-2.0
// torchrun's variables, and one process through the Gloo process group: the
// all-reduced step equals the plain one (the 2-process runs are in
// tests/cli/train_dist_test.py).
#include "train/dist_group.h"

#include <gtest/gtest.h>

#include "model/core/error.h"
#include "tests/train/dist_test_util.h"

namespace lorag::test {
namespace {

// fp32 CPU: the same arithmetic up to the order of the gradient sums.
constexpr double kAdapterTolerance = 1e-6;

TEST(DistEnv, NoWorldSizeIsASingleProcess) {
  EXPECT_FALSE(train::parse_dist_env({}).has_value());
  EXPECT_FALSE(train::parse_dist_env({{"RANK", "0"}}).has_value());
}

TEST(DistEnv, ReadsTorchrunVariables) {
  const auto env = train::parse_dist_env({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"},
                                          {"MASTER_ADDR", "10.0.0.2"}, {"MASTER_PORT", "29400"},
                                          {"TORCHELASTIC_USE_AGENT_STORE", "True"}});
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->world_size, 4);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->master_addr, "10.0.0.2");
  EXPECT_EQ(env->master_port, 29400);
  EXPECT_TRUE(env->use_agent_store);
  EXPECT_FALSE(train::parse_dist_env({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"},
                                      {"TORCHELASTIC_USE_AGENT_STORE", "False"}})->use_agent_store);
}

TEST(DistEnv, BadVariablesAreUsageErrorsNamingThem) {
  auto message = [](const std::map<std::string, std::string>& env) {
    try {
      train::parse_dist_env(env);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"WORLD_SIZE", "2"}, {"RANK", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}})
                .find("RANK='2': expected an integer in [0, 1]"), std::string::npos);
  EXPECT_NE(message({{"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}).find("RANK is not set"),
            std::string::npos);
  EXPECT_NE(message({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_PORT", "1"}}).find("MASTER_ADDR is not set"),
            std::string::npos);
  EXPECT_NE(message({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}})
                .find("MASTER_PORT='70000'"), std::string::npos);
}

TEST(DistGroup, WorldOfOneThroughGlooEqualsThePlainRun) {
  if (!train::distributed_support()) GTEST_SKIP() << "built without c10d";
  auto plain_model = load_chat_model();
  const auto plain = train_qa(plain_model, temp_dir("dist_plain"), nullptr);
  auto dist_model = load_chat_model();
  train::DistGroup group(single_rank_env(), torch::kCPU, std::chrono::seconds(60));
  EXPECT_EQ(group.rank(), 0);
  EXPECT_EQ(group.world_size(), 1);
  const auto dist = train_qa(dist_model, temp_dir("dist_gloo"), &group);
  EXPECT_GT(group.collective_seconds(), 0.0);
  ASSERT_EQ(plain.size(), dist.size());
  for (const auto& [key, t] : plain) {
    ASSERT_TRUE(dist.count(key)) << key;
    EXPECT_LT(max_abs_diff(t, dist.at(key)), kAdapterTolerance) << key;
  }
  // Trained: every lora_B moved away from its zero start.
  for (const auto& [key, t] : plain) {
    if (key.find("lora_B") != std::string::npos) EXPECT_GT(t.abs().max().item<double>(), 0.0) << key;
  }
}

TEST(DistGroup, AllReduceAndBroadcastOfOneRankKeepTheTensor) {
  if (!train::distributed_support()) GTEST_SKIP() << "built without c10d";
  train::DistGroup group(single_rank_env(), torch::kCPU, std::chrono::seconds(60));
  auto t = torch::arange(6, torch::kFloat32);
  group.all_reduce_sum(t, "a test");
  EXPECT_TRUE(torch::equal(t, torch::arange(6, torch::kFloat32)));
  group.broadcast(t, 0, "a test");
  EXPECT_TRUE(torch::equal(t, torch::arange(6, torch::kFloat32)));
}

}  // namespace
}  // namespace lorag::test
