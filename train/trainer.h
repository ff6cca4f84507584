// SPDX-License-Identifier: Apache-2.0
// The LoRA training loop (train/): AdamW on the adapter weights only, warm-up
// and decay, gradient accumulation and clipping, chunked loss, evaluation,
// checkpoints and exact resume, progress on stderr, metrics.csv and loss.svg;
// data-parallel over a DistGroup (one process per device, as torchrun starts them).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter_set.h"
#include "data/batching.h"
#include "data/example.h"
#include "model/causal_lm.h"
#include "train/checkpoint.h"
#include "train/dist_group.h"
#include "train/metrics_log.h"
#include "train/train_config.h"

namespace lorag::train {

struct TrainData {
  std::vector<data::Example> train;  // in training order (data/ shuffled it)
  std::vector<data::Example> eval;   // may be empty: no evaluation
  int64_t pad_id = 0;                // data::pad_id_for(tokenizer special tokens)
};

struct TrainerOptions {
  std::filesystem::path out_dir;        // adapter, metrics.csv, loss.svg, checkpoints/ go here
  std::string base_model;               // adapter_config.json's base_model_name_or_path
  std::filesystem::path resume;         // a checkpoint (or run folder) to continue from; empty = new run
  bool progress = true;                 // progress bar and summary lines on stderr
  // Data parallelism: the group this process trains in (not owned; must outlive
  // run()); null = a single process. Every rank gets the same data and config:
  // each takes its DistributedSampler-style share of one global order, and
  // only rank 0 writes into out_dir.
  DistGroup* group = nullptr;
};

struct TrainSummary {
  int64_t steps = 0;                 // optimizer steps done in all (including before a resume)
  double last_loss = 0;              // train loss of the last step
  std::optional<double> eval_loss;   // final evaluation, when there is eval data
  std::optional<double> eval_ppl;
  int64_t tokens = 0;                // tokens trained on in all
  double seconds = 0;                // wall time of this run() call
  int64_t steps_run = 0;             // optimizer steps of this run() call (after a resume: the new ones)
  int64_t tokens_run = 0;            // tokens of those steps, all processes together
  int64_t world_size = 1;            // processes that trained together
  double collective_seconds = 0;     // time in all-reduces and broadcasts (0 for one process)
};

class Trainer {
 public:
  // Validates `config` (ConfigError) and that there is training data (FormatError).
  // `net` is shared; run() attaches the adapter to it and leaves it attached.
  Trainer(model::CausalLM net, TrainConfig config, TrainData data, TrainerOptions options);

  // Trains to the end (or continues from options.resume), writing into out_dir.
  // The model is left in eval mode with the trained adapter attached. Throws
  // IoError for unwritable outputs or an unreadable checkpoint, ConfigError when a
  // checkpoint does not fit the config.
  TrainSummary run();

  // Mean loss per counted label over the eval set (eval mode, no grad); nullopt without eval data.
  std::optional<double> evaluate();

  int64_t total_steps() const { return total_steps_; }
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  // The adapter being trained (valid once run() has started).
  const adapters::AdapterSet& adapter() const;

 private:
  void setup_adapter(const std::filesystem::path& checkpoint);
  // Loads the optimizer and position of `checkpoint`; returns its metrics rows.
  std::vector<MetricsRow> resume_from(const std::filesystem::path& checkpoint);
  // This rank's share of the epoch's global order (DistributedSampler with
  // drop_last: the first examples_per_epoch_ of the order, every world-th from rank).
  std::vector<data::Example> epoch_order(int64_t epoch) const;
  // Sums `t` over the ranks (a no-op for one process).
  void all_reduce(at::Tensor& t, const std::string& what);
  // Gradients summed over the ranks through one flat fp32 buffer; returns the global loss sum.
  double all_reduce_grads(double loss_sum);
  void broadcast_parameters();
  // The micro-batch to continue at for a checkpoint at global sample `samples` of its epoch.
  int64_t batch_for_samples(int64_t samples) const;
  bool writes() const { return !options_.group || options_.group->rank() == 0; }
  // Runs one optimizer step from state_'s position; fills the row's train fields.
  MetricsRow train_step(const std::vector<data::Batch>& batches);
  void save_outputs(const MetricsLog* log) const;

  model::CausalLM net_;
  TrainConfig config_;
  TrainData data_;
  TrainerOptions options_;
  std::optional<adapters::AdapterSet> adapter_;
  std::vector<at::Tensor> params_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  TrainerState state_;
  int64_t world_size_ = 1;
  int64_t rank_ = 0;
  int64_t examples_per_epoch_ = 0;  // all ranks together (a multiple of world_size_)
  int64_t batches_per_epoch_ = 0;   // micro-batches per rank
  int64_t steps_per_epoch_ = 0;
  int64_t total_steps_ = 0;
};

}  // namespace lorag::train
