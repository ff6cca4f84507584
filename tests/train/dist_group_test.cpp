// SPDX-License-Identifier: Apache-2.0
// torchrun's variables, and one process through the Gloo process group: the
// all-reduced step equals the plain one (the 2-process runs are in
// tests/cli/train_dist_test.py).
#include "train/dist_group.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>

#include "model/core/error.h"
#include "tests/train/dist_test_util.h"

namespace lorag::test {
namespace {

// fp32 CPU: the same arithmetic up to the order of the gradient sums.
constexpr double kAdapterTolerance = 1e-6;
// Two ranks sum their gradients in another order than one process accumulates them.
constexpr double kTwoRankTolerance = 1e-5;

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

// One rank of TwoRanksEqualOneProcess, started by it as a child process with
// torchrun's variables and LORAG_TEST_DIST_OUT; skipped when run on its own.
TEST(DistTrainerChild, TrainsOneRank) {
  const char* out = std::getenv("LORAG_TEST_DIST_OUT");
  if (!out) GTEST_SKIP() << "a helper of DistTrainer.TwoRanksEqualOneProcessOnTheSameGlobalBatches";
  const auto env = train::dist_env_from_environment();
  ASSERT_TRUE(env.has_value());
  auto m = load_chat_model();
  train::DistGroup group(*env, torch::kCPU, std::chrono::seconds(120));
  train_qa(m, out, &group, /*batch_size=*/1);
}

TEST(DistTrainer, TwoRanksEqualOneProcessOnTheSameGlobalBatches) {
  if (!train::distributed_support()) GTEST_SKIP() << "built without c10d";
  const auto two = temp_dir("dist_two_ranks");
  const std::string port = std::to_string(free_tcp_port());
  std::vector<pid_t> pids;
  for (int rank = 0; rank < 2; ++rank) {
    // This test binary again, running only the child test, as torchrun would start a rank.
    std::vector<std::string> env_strings = {"RANK=" + std::to_string(rank), "LOCAL_RANK=" + std::to_string(rank),
                                            "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port,
                                            "LORAG_TEST_DIST_OUT=" + two.string(), "OMP_NUM_THREADS=1"};
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string exe = "/proc/self/exe", filter = "--gtest_filter=DistTrainerChild.TrainsOneRank";
    char* argv[] = {exe.data(), filter.data(), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp.data()), 0);
    pids.push_back(pid);
  }
  for (const pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a rank failed: status " << status;
  }
  // One process with the same global batch: 2 ranks x 1 = 2.
  auto m = load_chat_model();
  const auto one = temp_dir("dist_one_process");
  const auto single = train_qa(m, one, nullptr, /*batch_size=*/2);
  const auto dist = adapters::load_peft_adapter(two).tensors();
  ASSERT_EQ(single.size(), dist.size());
  for (const auto& [key, t] : single) {
    ASSERT_TRUE(dist.count(key)) << key;
    EXPECT_LT(max_abs_diff(t, dist.at(key)), kTwoRankTolerance) << key;
  }
  const auto rows_one = train::read_metrics_csv(one / "metrics.csv");
  const auto rows_two = train::read_metrics_csv(two / "metrics.csv");
  ASSERT_EQ(rows_one.size(), rows_two.size());
  for (size_t i = 0; i < rows_one.size(); ++i) {
    EXPECT_NEAR(rows_one[i].loss, rows_two[i].loss, kTwoRankTolerance) << "step " << i + 1;
    EXPECT_NEAR(rows_one[i].grad_norm, rows_two[i].grad_norm, kTwoRankTolerance) << "step " << i + 1;
    EXPECT_EQ(rows_one[i].tokens, rows_two[i].tokens) << "step " << i + 1;
  }
  ASSERT_TRUE(rows_one.back().eval_loss && rows_two.back().eval_loss);
  EXPECT_NEAR(*rows_one.back().eval_loss, *rows_two.back().eval_loss, kTwoRankTolerance);
}

}  // namespace
}  // namespace lorag::test
