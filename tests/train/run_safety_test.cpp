// SPDX-License-Identifier: Apache-2.0
// Training that cannot lose or corrupt work (issue #18): a diverging run stops at
// the first non-finite loss and writes no non-finite adapter; one writer per run
// folder; stale temporaries of an interrupted run are cleared by the next.
#include <gtest/gtest.h>

#include <fstream>

#include "adapters/peft_io.h"
#include "data/dataset.h"
#include "model/core/error.h"
#include "train/finite_check.h"
#include "train/run_lock.h"
#include "train/trainer.h"
#include "tests/train/train_test_util.h"

namespace lorag::test {
namespace {
namespace fs = std::filesystem;

train::TrainData qa_data(const model::LoadedModel& m) {
  data::DataConfig dc;
  dc.max_seq_len = 128;
  auto tmpl = model::text::ChatTemplate::detect(m.chat_template_source);
  auto ds = data::build_dataset(fixture("train/qa.jsonl"), *m.tokenizer, tmpl, dc);
  return {ds.train, ds.eval, data::pad_id_for(m.tokenizer->special_tokens())};
}

train::TrainConfig small_config() {
  train::TrainConfig c;
  c.rank = 8;
  c.alpha = 16;
  c.dropout = 0.0;
  c.scheduler = "constant";
  c.warmup_steps = 0;
  c.batch_size = 2;
  c.max_steps = 6;
  return c;
}

bool all_finite(const adapters::AdapterSet& a) {
  for (const auto& [key, t] : a.tensors()) {
    if (!torch::isfinite(t).all().item<bool>()) return false;
  }
  return true;
}

TEST(TrainerSafety, DivergingRunStopsAtTheFirstNonFiniteLoss) {
  auto m = load_chat_model();
  auto config = small_config();
  config.lr = 1e30;
  config.max_grad_norm = 0;  // no clipping: the step itself must be caught
  config.save_every = 1;
  const auto dir = temp_dir("train_diverge");
  train::Trainer trainer(m.net, config, qa_data(m), {dir, "chat_bpe", {}, false});
  const auto message = error_of<Error>([&] { trainer.run(); });
  EXPECT_NE(message.find("training stopped at step "), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "adapter_model.safetensors")) << "a diverged run must not write its final adapter";
  int checkpoints = 0;
  for (const auto& entry : fs::directory_iterator(dir / "checkpoints")) {
    ++checkpoints;
    EXPECT_TRUE(all_finite(adapters::load_peft_adapter(entry.path()))) << entry.path();
  }
  EXPECT_LT(checkpoints, 6) << "the run went on after its loss became non-finite";
  fs::remove_all(dir);
}

TEST(TrainerSafety, FiniteChecksNameTheStep) {
  EXPECT_NE(error_of<Error>([] { train::check_finite_step(7, NAN, 1.0); }).find("step 7: the loss is nan"),
            std::string::npos);
  EXPECT_NE(error_of<Error>([] { train::check_finite_step(2, 1.0, INFINITY); }).find("gradient norm is inf"),
            std::string::npos);
  EXPECT_NO_THROW(train::check_finite_step(1, 2.5, 0.3));
  auto p = torch::ones({3});
  EXPECT_NO_THROW(train::check_finite_parameters(1, {p}));
  p[1] = NAN;
  EXPECT_NE(error_of<Error>([&] { train::check_finite_parameters(4, {p}); }).find("step 4"), std::string::npos);
}

TEST(RunLock, SecondWriterIsRefused) {
  const auto dir = temp_dir("run_lock");
  {
    const train::RunLock first(dir);
    const auto message = error_of<IoError>([&] { train::RunLock second(dir); });
    EXPECT_NE(message.find("another lorag train is writing this folder"), std::string::npos) << message;
    auto m = load_chat_model();
    train::Trainer trainer(m.net, small_config(), qa_data(m), {dir, "chat_bpe", {}, false});
    EXPECT_NE(error_of<IoError>([&] { trainer.run(); }).find("another lorag train"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir / "adapter_model.safetensors"));
  }
  EXPECT_NO_THROW(train::RunLock again(dir));  // released with its holder
  fs::remove_all(dir);
}

TEST(RunLock, RemovesStaleTemporariesOfItsOwnKindOnly) {
  const auto dir = temp_dir("run_lock_tmp");
  fs::create_directories(dir / "checkpoints/.tmp-step-3");
  std::ofstream(dir / "checkpoints/.tmp-step-3/optimizer.pt") << "x";
  std::ofstream(dir / ".tmp.adapter_model.safetensors.1234567") << "x";
  std::ofstream(dir / ".tmp.metrics.csv.42") << "x";
  std::ofstream(dir / ".tmp.notes") << "mine";      // not write_file_atomically's pattern
  std::ofstream(dir / "draft.tmp.1") << "mine";
  fs::create_directories(dir / "checkpoints/step-2");
  { const train::RunLock lock(dir); }
  EXPECT_FALSE(fs::exists(dir / "checkpoints/.tmp-step-3"));
  EXPECT_FALSE(fs::exists(dir / ".tmp.adapter_model.safetensors.1234567"));
  EXPECT_FALSE(fs::exists(dir / ".tmp.metrics.csv.42"));
  EXPECT_TRUE(fs::exists(dir / ".tmp.notes"));
  EXPECT_TRUE(fs::exists(dir / "draft.tmp.1"));
  EXPECT_TRUE(fs::exists(dir / "checkpoints/step-2"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lorag::test
