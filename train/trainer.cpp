// SPDX-License-Identifier: Apache-2.0
#include "train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <random>

#include "adapters/peft_io.h"
#include "data/batching.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/core/progress.h"
#include "model/core/timer.h"
#include "train/batch_tensors.h"
#include "train/chunked_loss.h"
#include "train/finite_check.h"
#include "train/loss_plot.h"
#include "train/lr_schedule.h"
#include "train/run_lock.h"
#include "train/train_forward.h"
#include "model/dtype_name.h"

namespace lorag::train {
namespace fs = std::filesystem;

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::string fixed(double v, const char* fmt) {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

Trainer::Trainer(model::CausalLM net, TrainConfig config, TrainData data, TrainerOptions options)
    : net_(std::move(net)), config_(std::move(config)), data_(std::move(data)), options_(std::move(options)) {
  config_.validate();
  LORAG_CHECK(!data_.train.empty(), FormatError, "no training examples (the dataset is empty)");
  if (options_.group) world_size_ = options_.group->world_size(), rank_ = options_.group->rank();
  const int64_t n = static_cast<int64_t>(data_.train.size());
  LORAG_CHECK(n >= world_size_, FormatError, "the dataset has ", n, " training sequences, fewer than the ",
              world_size_, " processes (hint: fewer processes, or more data)");
  examples_per_epoch_ = n / world_size_ * world_size_;  // DistributedSampler's drop_last
  batches_per_epoch_ = ceil_div(examples_per_epoch_ / world_size_, config_.batch_size);
  // The last step of an epoch takes the leftover micro-batches (transformers does the same).
  steps_per_epoch_ = ceil_div(batches_per_epoch_, config_.grad_accum);
  total_steps_ = config_.max_steps > 0 ? config_.max_steps : config_.epochs * steps_per_epoch_;
}

const adapters::AdapterSet& Trainer::adapter() const {
  LORAG_CHECK(adapter_.has_value(), Error, "trainer: no adapter before run()");
  return *adapter_;
}

void Trainer::setup_adapter(const fs::path& checkpoint) {
  if (checkpoint.empty()) {
    // The seed fixes A's Kaiming init, then dropout masks and everything after.
    torch::manual_seed(config_.seed);
    adapter_.emplace(adapters::AdapterSet::create(*net_, config_.lora_config(options_.base_model)));
  } else {
    adapter_.emplace(adapters::load_peft_adapter(checkpoint));
    LORAG_CHECK(adapter_->config().r == config_.rank, ConfigError, (checkpoint / "adapter_config.json").string(),
                ": the checkpoint's adapter has r=", adapter_->config().r, ", the run asks for rank ", config_.rank);
  }
  adapter_->attach(net_, model::dtype_from_name(config_.adapter_dtype).value());  // validate()d
  params_ = adapter_->parameters();
  LORAG_ASSERT(!params_.empty());
  torch::optim::AdamWOptions opts(config_.lr);
  opts.betas({config_.adam_beta1, config_.adam_beta2}).eps(config_.adam_epsilon).weight_decay(config_.weight_decay);
  optimizer_ = std::make_unique<torch::optim::AdamW>(params_, opts);
}

std::vector<data::Example> Trainer::epoch_order(int64_t epoch) const {
  auto order = data_.train;
  // Epoch 0 keeps data/'s (seeded) order; later epochs reshuffle, as a sampler
  // seeded with seed + epoch does, so a resumed run sees the same order.
  if (epoch > 0) std::shuffle(order.begin(), order.end(), std::mt19937_64(config_.seed + static_cast<uint64_t>(epoch)));
  if (world_size_ == 1) return order;
  // Rank r takes r, r + W, r + 2W, ... as torch's DistributedSampler: micro-batch
  // i of every rank together is the contiguous block [i*b*W, (i+1)*b*W) of the
  // order, so a step sees the same examples whatever the world size.
  std::vector<data::Example> shard;
  for (int64_t i = rank_; i < examples_per_epoch_; i += world_size_) shard.push_back(order[static_cast<size_t>(i)]);
  return shard;
}

void Trainer::all_reduce(at::Tensor& t, const std::string& what) {
  if (options_.group) options_.group->all_reduce_sum(t, what);
}

double Trainer::all_reduce_grads(double loss_sum) {
  if (!options_.group) return loss_sum;
  // One flat fp32 buffer (LoRA gradients are small): one collective per step,
  // and bf16 adapters are summed in fp32. The loss sum rides along at the end.
  std::vector<at::Tensor> parts;
  for (const auto& p : params_) {
    parts.push_back(p.grad().defined() ? p.grad().to(torch::kFloat32).flatten() : torch::zeros({p.numel()}, p.options().dtype(torch::kFloat32)));
  }
  parts.push_back(torch::full({1}, loss_sum, parts.front().options()));
  auto flat = torch::cat(parts);  // [sum of numel + 1]
  all_reduce(flat, "the gradients of step " + std::to_string(state_.step + 1));
  int64_t offset = 0;
  for (auto& p : params_) {
    auto piece = flat.narrow(0, offset, p.numel()).view_as(p).to(p.scalar_type());
    if (p.grad().defined()) p.mutable_grad().copy_(piece);
    else p.mutable_grad() = piece;
    offset += p.numel();
  }
  return flat[offset].item<double>();
}

void Trainer::broadcast_parameters() {
  if (!options_.group) return;
  // Every rank built the same adapter from the same seed or checkpoint; rank 0's
  // copy makes that certain, as DDP does at construction.
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (const auto& p : params_) parts.push_back(p.detach().to(torch::kFloat32).flatten());
  auto flat = torch::cat(parts);
  options_.group->broadcast(flat, 0, "the initial adapter broadcast");
  int64_t offset = 0;
  for (auto& p : params_) {
    p.copy_(flat.narrow(0, offset, p.numel()).view_as(p));
    offset += p.numel();
  }
}

int64_t Trainer::batch_for_samples(int64_t samples) const {
  if (samples >= examples_per_epoch_) return batches_per_epoch_;  // the epoch was done
  const int64_t per_batch = config_.batch_size * world_size_;
  LORAG_CHECK(samples % per_batch == 0, ConfigError, "the checkpoint stopped after example ", samples,
              " of its epoch, which is not a multiple of batch_size x processes = ", per_batch,
              " (hint: resume with a batch size and process count whose product divides it)");
  return samples / per_batch;
}

MetricsRow Trainer::train_step(const std::vector<data::Batch>& batches) {
  Timer timer;
  const auto device = net_->device();
  const int64_t end = std::min<int64_t>(state_.batch_in_epoch + config_.grad_accum, batches_per_epoch_);
  std::vector<BatchTensors> micro;
  int64_t labels = 0, tokens = 0;
  for (int64_t i = state_.batch_in_epoch; i < end; ++i) {
    micro.push_back(to_tensors(batches[static_cast<size_t>(i)], device));
    labels += micro.back().label_tokens;
    tokens += micro.back().tokens;
  }
  // Normalise by the counted labels of the whole accumulated step on all ranks
  // (transformers' num_items_in_batch, averaged across devices), so accumulation
  // and data parallelism equal one big batch.
  if (options_.group) {
    auto counts = torch::tensor({labels, tokens}, torch::kInt64).to(device);  // NCCL needs it on the GPU
    all_reduce(counts, "the label counts of step " + std::to_string(state_.step + 1));
    labels = counts[0].item<int64_t>(), tokens = counts[1].item<int64_t>();
  }
  const double denom = static_cast<double>(std::max<int64_t>(labels, 1));
  optimizer_->zero_grad();
  double loss_sum = 0;
  for (const auto& bt : micro) {
    auto hidden = training_hidden_states(*net_, bt, config_.gradient_checkpointing);  // [B, T, C]
    auto sum = chunked_lm_loss_sum(*net_, hidden, bt.targets, config_.loss_chunk_tokens);
    if (sum.requires_grad()) (sum / denom).backward();
    loss_sum += sum.item<double>();
  }
  loss_sum = all_reduce_grads(loss_sum);
  const double max_norm = config_.max_grad_norm > 0 ? config_.max_grad_norm : std::numeric_limits<double>::infinity();
  const double grad_norm = torch::nn::utils::clip_grad_norm_(params_, max_norm);
  check_finite_step(state_.step + 1, loss_sum / denom, grad_norm);
  optimizer_->step();
  check_finite_parameters(state_.step + 1, params_);

  state_.batch_in_epoch = end;
  state_.step += 1;
  state_.tokens_seen += tokens;
  MetricsRow row;
  row.step = state_.step;
  row.epoch = static_cast<double>(state_.epoch) + static_cast<double>(end) / static_cast<double>(batches_per_epoch_);
  row.loss = loss_sum / denom;
  row.grad_norm = grad_norm;
  row.tokens = tokens;
  row.tokens_per_s = static_cast<double>(tokens) / std::max(timer.seconds(), 1e-9);
  return row;
}

std::optional<double> Trainer::evaluate() {
  if (data_.eval.empty()) return std::nullopt;
  const bool was_training = net_->is_training();
  net_->eval();
  torch::NoGradGuard no_grad;
  double sum = 0;
  int64_t labels = 0;
  // Every rank takes every world-th example (none dropped); the sums over the
  // ranks give the same per-label mean as one process.
  std::vector<data::Example> share;
  for (size_t i = static_cast<size_t>(rank_); i < data_.eval.size(); i += static_cast<size_t>(world_size_)) {
    share.push_back(data_.eval[i]);
  }
  for (const auto& batch : data::make_batches(share, config_.batch_size, data_.pad_id)) {
    const auto bt = to_tensors(batch, net_->device());
    const auto hidden = training_hidden_states(*net_, bt, false);
    sum += chunked_lm_loss_sum(*net_, hidden, bt.targets, config_.loss_chunk_tokens).item<double>();
    labels += bt.label_tokens;
  }
  net_->train(was_training);
  if (options_.group) {
    auto sums = torch::tensor({sum, static_cast<double>(labels)}, torch::kFloat64).to(net_->device());
    all_reduce(sums, "the evaluation loss");
    sum = sums[0].item<double>(), labels = static_cast<int64_t>(sums[1].item<double>());
  }
  return labels > 0 ? std::optional<double>(sum / static_cast<double>(labels)) : std::nullopt;
}

void Trainer::save_outputs(const MetricsLog* log) const {
  if (!log) return;  // not rank 0
  adapters::save_peft_adapter(*adapter_, options_.out_dir);
  write_loss_svg(log->rows(), options_.out_dir / "loss.svg");
}

std::vector<MetricsRow> Trainer::resume_from(const fs::path& checkpoint) {
  load_optimizer_state(checkpoint, *optimizer_);
  state_ = read_trainer_state(checkpoint);
  if (state_.total_steps != total_steps_) {
    log::warn("resuming a run planned for ", state_.total_steps, " steps with ", total_steps_,
              " steps: the learning-rate schedule changes from here");
  }
  // The position is the global sample count, so another world size (or batch
  // size with the same global batch) continues the same sequence of batches.
  const int64_t samples = state_.samples_in_epoch >= 0 ? state_.samples_in_epoch
                                                        : state_.batch_in_epoch * config_.batch_size;
  state_.batch_in_epoch = batch_for_samples(samples);
  std::vector<MetricsRow> history;
  if (fs::exists(checkpoint / "metrics.csv")) history = read_metrics_csv(checkpoint / "metrics.csv");
  std::erase_if(history, [&](const MetricsRow& r) { return r.step > state_.step; });
  if (options_.progress) {
    log::info("resuming from ", checkpoint.string(), " at step ", state_.step, " (written by ", state_.world_size,
              state_.world_size == 1 ? " process" : " processes", ", continuing with ", world_size_, ")");
  }
  return history;
}

TrainSummary Trainer::run() {
  Timer timer;
  // Rank 0 alone writes; it creates the folder and holds its lock (one writer per run folder).
  std::optional<RunLock> lock;
  if (writes()) lock.emplace(options_.out_dir);
  const auto checkpoint = options_.resume.empty() ? fs::path() : find_checkpoint(options_.resume);
  setup_adapter(checkpoint);
  broadcast_parameters();
  std::vector<MetricsRow> history;
  state_ = TrainerState{};
  if (!checkpoint.empty()) history = resume_from(checkpoint);
  state_.total_steps = total_steps_;
  state_.world_size = world_size_;
  const TrainerState start = state_;
  // Only rank 0 writes metrics.csv, the plot, checkpoints and the adapter.
  std::optional<MetricsLog> log;
  if (writes()) log.emplace(options_.out_dir / "metrics.csv", std::move(history));
  // Last, so nothing between here and the first step draws from the generators.
  if (!checkpoint.empty()) restore_rng_state(checkpoint, net_->device());

  const LrSchedule schedule{parse_schedule_kind(config_.scheduler), config_.lr,
                            config_.resolved_warmup_steps(total_steps_), total_steps_};
  std::optional<ProgressBar> bar;
  if (options_.progress) bar.emplace(ProgressOptions{"train", total_steps_});
  net_->train();
  auto batches = data::make_batches(epoch_order(state_.epoch), config_.batch_size, data_.pad_id);
  TrainSummary summary;
  while (state_.step < total_steps_) {
    if (state_.batch_in_epoch >= batches_per_epoch_) {
      state_.epoch += 1;
      state_.batch_in_epoch = 0;
      batches = data::make_batches(epoch_order(state_.epoch), config_.batch_size, data_.pad_id);
    }
    const double lr = schedule.lr_at(state_.step);
    for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    auto row = train_step(batches);
    row.lr = lr;
    state_.samples_in_epoch =
        std::min(state_.batch_in_epoch * config_.batch_size, examples_per_epoch_ / world_size_) * world_size_;
    summary.last_loss = row.loss;
    const bool eval_due = (config_.eval_every > 0 && row.step % config_.eval_every == 0) || row.step == total_steps_;
    if (eval_due) {
      if (auto loss = evaluate()) {
        row.eval_loss = *loss;
        row.eval_ppl = std::exp(*loss);
        if (bar) bar->message("step " + std::to_string(row.step) + ": eval loss " + fixed(*loss, "%.4f") +
                              ", perplexity " + fixed(*row.eval_ppl, "%.3f"));
      }
    }
    if (log) log->append(row);
    if (bar) {
      bar->update(row.step, {{"loss", fixed(row.loss, "%.4f")}, {"lr", fixed(lr, "%.2e")}}, row.tokens_per_s);
    }
    if (log && config_.save_every > 0 && row.step % config_.save_every == 0) {
      const auto dir = save_checkpoint(options_.out_dir, *adapter_, *optimizer_, state_, net_->device(), log->path());
      if (bar) bar->message("checkpoint " + dir.string());
    }
    summary.eval_loss = row.eval_loss;
    summary.eval_ppl = row.eval_ppl;
  }
  if (bar) bar->finish();
  net_->eval();
  save_outputs(log ? &*log : nullptr);
  summary.steps = state_.step;
  summary.tokens = state_.tokens_seen;
  summary.seconds = timer.seconds();
  summary.steps_run = state_.step - start.step;
  summary.tokens_run = state_.tokens_seen - start.tokens_seen;
  summary.world_size = world_size_;
  summary.collective_seconds = options_.group ? options_.group->collective_seconds() : 0.0;
  if (log && !log->rows().empty()) summary.last_loss = log->rows().back().loss;
  return summary;
}

}  // namespace lorag::train
