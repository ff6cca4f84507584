// SPDX-License-Identifier: Apache-2.0
// The training loop end to end on the tiny chat model: the loss falls and only
// the adapter changes, Q/A pairs are learned and then generated, and a resumed
// run reproduces the uninterrupted one.
#include "train/trainer.h"

#include <gtest/gtest.h>

#include "adapters/peft_io.h"
#include "data/dataset.h"
#include "infer/generator.h"
#include "infer/prompt_formatter.h"
#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "tests/train/train_test_util.h"

namespace lorag::test {
namespace {

train::TrainData qa_data(const model::LoadedModel& m, bool with_eval) {
  data::DataConfig dc;
  dc.max_seq_len = 128;
  if (with_eval) dc.eval_path = fixture("train/qa_eval.jsonl");
  auto tmpl = model::text::ChatTemplate::detect(m.chat_template_source);
  auto ds = data::build_dataset(fixture("train/qa.jsonl"), *m.tokenizer, tmpl, dc);
  return {ds.train, ds.eval, data::pad_id_for(m.tokenizer->special_tokens())};
}

train::TrainConfig small_config() {
  train::TrainConfig c;
  c.rank = 8;
  c.alpha = 16;
  c.dropout = 0.0;
  c.lr = 1e-2;
  c.scheduler = "constant";
  c.warmup_steps = 0;
  c.batch_size = 2;
  return c;
}

TEST(Trainer, FewStepsLowerTheLossAndChangeOnlyAAndB) {
  auto m = load_chat_model();
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : m.net->named_parameters()) before[p.key()] = p.value().detach().clone();
  auto config = small_config();
  config.max_steps = 6;
  const auto dir = temp_dir("train_few");
  train::Trainer trainer(m.net, config, qa_data(m, false), {dir, "chat_bpe", {}, false});
  trainer.run();
  const auto rows = train::read_metrics_csv(dir / "metrics.csv");
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_LT(rows.back().loss, rows.front().loss * 0.8);
  EXPECT_GT(rows.front().grad_norm, 0.0);
  int64_t changed_adapter = 0;
  for (const auto& p : m.net->named_parameters()) {
    const auto& name = p.key();
    if (name.find("lora_") != std::string::npos) {
      changed_adapter += name.find("lora_B") != std::string::npos && p.value().abs().max().item<double>() > 0;
      continue;
    }
    ASSERT_TRUE(before.count(name)) << name;
    EXPECT_TRUE(torch::equal(before[name], p.value())) << name << " changed";
  }
  EXPECT_EQ(changed_adapter, 14);  // 2 layers x 7 projections (all-linear)
  EXPECT_TRUE(std::filesystem::exists(dir / "adapter_model.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(dir / "adapter_config.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "loss.svg"));
}

TEST(Trainer, LearnsQaPairsAndGeneratesTheAnswers) {
  auto m = load_chat_model();
  auto config = small_config();
  config.rank = 16;
  config.alpha = 32;
  config.scheduler = "cosine";  // decaying to 0 settles the loss; a constant 1e-2 keeps bouncing
  config.max_steps = 40;
  config.eval_every = 20;
  const auto dir = temp_dir("train_qa");
  train::Trainer trainer(m.net, config, qa_data(m, true), {dir, "chat_bpe", {}, false});
  const auto summary = trainer.run();
  EXPECT_LT(summary.last_loss, 0.05);
  ASSERT_TRUE(summary.eval_loss.has_value());
  EXPECT_LT(*summary.eval_loss, 0.05);
  EXPECT_NEAR(*summary.eval_ppl, std::exp(*summary.eval_loss), 1e-9);
  const auto rows = train::read_metrics_csv(dir / "metrics.csv");
  EXPECT_TRUE(rows[19].eval_loss.has_value());
  EXPECT_FALSE(rows[20].eval_loss.has_value());
  EXPECT_TRUE(rows.back().eval_loss.has_value());

  infer::PromptFormatter formatter(m.tokenizer, m.chat_template_source, "auto");
  infer::Generator generator(m.net, m.tokenizer);
  infer::GenerateConfig gc;
  gc.max_new_tokens = 24;
  gc.stop_token_ids = formatter.end_of_turn_ids();
  for (const auto& line : {std::pair<std::string, std::string>{"What colour is the sky on Zorb?", "Green with purple stripes."},
                           {"Who built the lighthouse at Kell?", "Old Marta, in one summer."},
                           {"How many moons has Zorb?", "Seven small moons."},
                           {"What do Zorbians eat?", "Blue bread and salt."}}) {
    const auto out = generator.generate({formatter.encode_prompt(line.first, "")}, gc);
    EXPECT_EQ(out[0].text, line.second) << line.first;
  }
}

TEST(Trainer, ResumeReproducesTheUninterruptedRun) {
  auto config = small_config();
  config.dropout = 0.1;  // the RNG state must come back too
  config.grad_accum = 2;
  config.max_steps = 6;  // 4 examples / (2 x 2) = 1 step per epoch: six epochs, reshuffled
  config.save_every = 3;
  config.scheduler = "cosine";
  config.warmup_steps = 1;
  config.weight_decay = 0.01;
  const auto straight_dir = temp_dir("train_straight"), resumed_dir = temp_dir("train_resumed");
  {
    auto m = load_chat_model();
    train::Trainer(m.net, config, qa_data(m, false), {straight_dir, "chat_bpe", {}, false}).run();
  }
  ASSERT_TRUE(std::filesystem::exists(straight_dir / "checkpoints/step-3/trainer_state.json"));
  {
    auto m = load_chat_model();
    train::Trainer(m.net, config, qa_data(m, false),
                   {resumed_dir, "chat_bpe", straight_dir / "checkpoints/step-3", false})
        .run();
  }
  const auto a = adapters::load_peft_adapter(straight_dir), b = adapters::load_peft_adapter(resumed_dir);
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (const auto& [key, t] : a.tensors()) {
    ASSERT_TRUE(b.tensors().count(key)) << key;
    EXPECT_TRUE(torch::equal(t, b.tensors().at(key))) << key;
  }
  const auto rows_a = train::read_metrics_csv(straight_dir / "metrics.csv");
  const auto rows_b = train::read_metrics_csv(resumed_dir / "metrics.csv");
  ASSERT_EQ(rows_a.size(), 6u);
  ASSERT_EQ(rows_b.size(), 6u);  // steps 1-3 from the checkpoint, 4-6 trained
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(rows_a[i].loss, rows_b[i].loss) << "step " << i + 1;
  // The run folder resolves to its latest checkpoint.
  EXPECT_EQ(train::find_checkpoint(straight_dir), straight_dir / "checkpoints/step-6");
}

TEST(Trainer, EmptyTrainingSetIsAnError) {
  auto m = load_chat_model();
  EXPECT_THROW(train::Trainer(m.net, small_config(), {}, {temp_dir("train_empty"), "", {}, false}), FormatError);
}

}  // namespace
}  // namespace lorag::test
