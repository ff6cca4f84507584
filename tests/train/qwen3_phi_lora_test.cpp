// SPDX-License-Identifier: Apache-2.0
// LoRA training on the new families (Phi-1.5/2 with PEFT's module names
// q_proj/k_proj/v_proj/dense/fc1/fc2, Qwen3 all-linear): a few steps lower the
// loss and change only A and B, and PEFT loads the saved folder onto the
// transformers checkpoint with lorag's logits (scripts/check_peft_adapter.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

#include "model/tensor_safetensors.h"
#include "tests/model/model_test_util.h"
#include "tests/train/train_test_util.h"
#include "train/metrics_log.h"
#include "train/trainer.h"

namespace lorag::test {
namespace {

// Both sides run fp32 on the CPU: only summation order differs (as for the base model).
constexpr double kPeftLogitTolerance = 1e-4;

struct LoraCase {
  std::string model;    // fixtures/models/<model>
  std::string targets;  // TrainConfig::targets
  int64_t adapted;      // LoRA-wrapped modules expected
};

void PrintTo(const LoraCase& c, std::ostream* out) { *out << c.model; }

// Four short random sequences over the fixture vocabulary (320 ids): one batch,
// seen at every step, so the loss must fall as the adapter memorises it.
train::TrainData random_data() {
  torch::manual_seed(3);
  std::vector<data::Example> train;
  for (int i = 0; i < 4; ++i) {
    auto ids = torch::randint(3, 320, {12}, torch::kInt64);
    train.push_back(example_of({ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + 12}));
  }
  return {train, {}, 0};
}

std::filesystem::path source_dir() {
  const char* env = std::getenv("LORAG_SOURCE_DIR");
  return env ? std::filesystem::path(env) : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

class LoraNewFamilies : public ::testing::TestWithParam<LoraCase> {};

TEST_P(LoraNewFamilies, TrainedAdapterLowersLossAndLoadsInPeft) {
  torch::set_num_threads(1);
  auto m = load_fixture_model(GetParam().model);  // weights only: these fixtures have no tokenizer
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : m.net->named_parameters()) before[p.key()] = p.value().detach().clone();
  train::TrainConfig config;
  config.rank = 4;
  config.alpha = 8;
  config.dropout = 0.0;
  config.lr = 1e-2;
  config.scheduler = "constant";
  config.warmup_steps = 0;
  config.batch_size = 4;
  config.max_steps = 6;
  config.targets = GetParam().targets;
  const auto dir = temp_dir("lora_" + GetParam().model);
  train::Trainer(m.net, config, random_data(), {dir, GetParam().model, {}, false}).run();
  const auto rows = train::read_metrics_csv(dir / "metrics.csv");
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_LT(rows.back().loss, rows.front().loss);
  int64_t changed = 0;
  for (const auto& p : m.net->named_parameters()) {
    if (p.key().find("lora_") != std::string::npos) {
      changed += p.key().find("lora_B") != std::string::npos && p.value().abs().max().item<double>() > 0;
      continue;
    }
    EXPECT_TRUE(torch::equal(before.at(p.key()), p.value())) << p.key() << " changed";
  }
  EXPECT_EQ(changed, GetParam().adapted);

  torch::NoGradGuard no_grad;
  auto ids = torch::randint(3, 320, {2, 10}, torch::kInt64);
  auto logits = m.net->forward({.input_ids = ids});
  const auto logits_file = dir / "lorag_logits.safetensors";
  model::write_safetensors(logits_file, {{"input_ids", ids}, {"logits", logits.contiguous()}});
  const auto python = std::getenv("LORAG_PYTHON") ? std::filesystem::path(std::getenv("LORAG_PYTHON"))
                                                  : source_dir() / ".venv/bin/python3";
  if (!std::filesystem::exists(python)) GTEST_SKIP() << "no python with peft at " << python;
  const std::string command = python.string() + " " + (source_dir() / "scripts/check_peft_adapter.py").string() +
                              " " + fixture("models/" + GetParam().model).string() + " " + dir.string() + " " +
                              logits_file.string() + " " + std::to_string(kPeftLogitTolerance);
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LoraNewFamilies,
                         ::testing::Values(LoraCase{"phi", "q_proj,k_proj,v_proj,dense,fc1,fc2", 12},
                                           LoraCase{"qwen3", "all-linear", 14}),
                         [](const auto& info) { return info.param.model; });

}  // namespace
}  // namespace lorag::test
