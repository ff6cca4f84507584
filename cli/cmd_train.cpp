// SPDX-License-Identifier: Apache-2.0
// `lorag train`: LoRA fine-tuning of a model on a JSONL dataset (cli/). Flags
// map onto train::TrainConfig and data::DataConfig; the loop lives in train/.
#include <malloc.h>
#include <torch/cuda.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/options.h"
#include "data/dataset.h"
#include "data/fingerprint.h"
#include "model/core/atomic_file.h"
#include "model/core/config_field_error.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "model/model_loader.h"
#include "model/quant/quantize_at_load.h"
#include "train/dist_group.h"
#include "train/trainer.h"

namespace lorag::cli {
namespace fs = std::filesystem;
namespace {

struct TrainFlags {
  std::string data, eval, out, resume, format = "auto", quantize;
  double eval_fraction = 0.0;
  double dist_timeout = 300.0;
  int64_t max_seq_len = 2048;
  bool packing = false, train_on_prompt = false, skip_bad_lines = false;
  bool no_gradient_checkpointing = false;
};

po::options_description train_options(TrainFlags& f, train::TrainConfig& c) {
  po::options_description d("Training");
  d.add_options()
      ("data", po::value(&f.data)->required()->value_name("FILE.jsonl"),
       "training data: JSON lines in Alpaca, chat (messages) or prompt/completion form")
      ("eval", po::value(&f.eval)->value_name("FILE.jsonl"), "evaluation data (same forms)")
      ("eval-fraction", po::value(&f.eval_fraction)->default_value(f.eval_fraction),
       "hold out this share of --data for evaluation when no --eval is given")
      ("out", po::value(&f.out)->required()->value_name("DIR"),
       "run folder: adapter (PEFT), metrics.csv, loss.svg, train_config.json, checkpoints/")
      ("format", po::value(&f.format)->default_value(f.format), "auto, alpaca, chat or prompt-completion")
      ("quantize", po::value(&f.quantize)->value_name("TYPE"),
       "QLoRA on a dense model: quantize its linear layers at load to q8_0, q4_k, ... (they stay frozen; "
       "a GGUF file's quantized matrices are kept as stored anyway)")
      ("max-seq-len", po::value(&f.max_seq_len)->default_value(f.max_seq_len), "tokens per sequence; longer examples are cut")
      ("packing", po::bool_switch(&f.packing), "pack short examples into max-seq-len sequences (block-causal attention)")
      ("train-on-prompt", po::bool_switch(&f.train_on_prompt), "count prompt tokens in the loss (default: responses only)")
      ("skip-bad-lines", po::bool_switch(&f.skip_bad_lines), "skip malformed JSONL lines instead of failing")
      ("rank", po::value(&c.rank)->default_value(c.rank), "LoRA rank r")
      ("alpha", po::value(&c.alpha)->default_value(c.alpha), "LoRA alpha (scale alpha/r)")
      ("dropout", po::value(&c.dropout)->default_value(c.dropout), "LoRA dropout")
      ("targets", po::value(&c.targets)->default_value(c.targets),
       "all-linear, or comma-separated module names (q_proj,k_proj,v_proj,o_proj,...)")
      ("use-rslora", po::bool_switch(&c.use_rslora), "rank-stabilised scale alpha/sqrt(r)")
      ("adapter-dtype", po::value(&c.adapter_dtype)->default_value(c.adapter_dtype),
       "dtype of the adapter weights (fp32 keeps them precise over bf16 base weights)")
      ("epochs", po::value(&c.epochs)->default_value(c.epochs), "passes over the data (unless --max-steps)")
      ("max-steps", po::value(&c.max_steps)->default_value(c.max_steps), "optimizer steps; overrides --epochs when > 0")
      ("lr", po::value(&c.lr)->default_value(c.lr), "peak learning rate (AdamW)")
      ("batch-size", po::value(&c.batch_size)->default_value(c.batch_size), "sequences per micro-batch")
      ("grad-accum", po::value(&c.grad_accum)->default_value(c.grad_accum), "micro-batches per optimizer step")
      ("warmup-ratio", po::value(&c.warmup_ratio)->default_value(c.warmup_ratio), "share of steps warming up")
      ("warmup-steps", po::value(&c.warmup_steps)->default_value(c.warmup_steps),
       "warm-up steps; >= 0 overrides --warmup-ratio")
      ("scheduler", po::value(&c.scheduler)->default_value(c.scheduler), "cosine, linear or constant after warm-up")
      ("weight-decay", po::value(&c.weight_decay)->default_value(c.weight_decay), "AdamW decoupled weight decay")
      ("max-grad-norm", po::value(&c.max_grad_norm)->default_value(c.max_grad_norm), "gradient clipping; 0 = off")
      ("seed", po::value(&c.seed)->default_value(c.seed), "adapter init, dropout, data shuffle and split")
      ("eval-every", po::value(&c.eval_every)->default_value(c.eval_every), "steps between evaluations; 0 = at the end")
      ("save-every", po::value(&c.save_every)->default_value(c.save_every),
       "steps between checkpoints in DIR/checkpoints/step-N; 0 = none")
      ("gradient-checkpointing", po::bool_switch(&c.gradient_checkpointing),
       "recompute each decoder layer in backward (less memory; the default on a quantized base)")
      ("no-gradient-checkpointing", po::bool_switch(&f.no_gradient_checkpointing),
       "keep every layer's activations for backward, also on a quantized base (faster, more memory)")
      ("loss-chunk-tokens", po::value(&c.loss_chunk_tokens)->default_value(c.loss_chunk_tokens),
       "tokens per LM-head chunk of the loss (bounds the logits memory)")
      ("resume", po::value(&f.resume)->value_name("DIR"),
       "continue from a checkpoint folder (or the latest checkpoint of a run folder)")
      ("dist-timeout", po::value(&f.dist_timeout)->default_value(f.dist_timeout)->value_name("SECONDS"),
       "under torchrun: a rank that dies or stops answering fails the others after this long");
  return d;
}

// A config field is the flag of the same name on the command line
// (max_seq_len -> --max-seq-len): "--max-seq-len is 0, expected at least 1".
std::string flag_message(const ConfigFieldError& e) {
  std::string flag = e.field();
  std::replace(flag.begin(), flag.end(), '_', '-');
  return "--" + flag + " " + e.detail();
}

std::optional<model::text::ChatTemplate> data_template(const model::LoadedModel& m, const std::string& choice) {
  if (choice == "none") return std::nullopt;
  if (choice != "auto") return model::text::ChatTemplate::from_name(choice);
  if (m.chat_template_source.empty()) return std::nullopt;  // a base model: raw text
  return model::text::ChatTemplate::detect(m.chat_template_source);
}

// Each CPU training step allocates and frees the same large activations.
// glibc serves blocks above its mmap threshold with fresh mappings, which the
// kernel zero-fills on every step (clear_page ~9% of the profile); keeping
// them in the heap made CPU training ~20% faster (bench/RESULTS.md).
void keep_large_blocks_in_heap() {
#if defined(__GLIBC__)
  if (mallopt(M_MMAP_THRESHOLD, 1 << 30) != 1 || mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1) {
    log::info("glibc refused the malloc thresholds; large buffers are mapped afresh each step");
  }
#endif
}

// Under torchrun (WORLD_SIZE set): joins the process group, one device per
// rank (cuda:LOCAL_RANK), and leaves logging to rank 0. Null for one process.
std::unique_ptr<train::DistGroup> join_group(ModelOptions& model_opts, double timeout_s) {
  const auto env = train::dist_env_from_environment();
  if (!env) return nullptr;
  LORAG_CHECK(timeout_s > 0, UsageError, "--dist-timeout must be > 0, got ", timeout_s);
  auto& device = model_opts.load.device;
  if (device == "cuda" || (device == "auto" && torch::cuda::is_available())) {
    device = "cuda:" + std::to_string(env->local_rank);
  } else if (device == "auto") {
    device = "cpu";
  }
  if (env->rank != 0) log::set_level(log::Level::kError);
  const auto ms = std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  auto group = std::make_unique<train::DistGroup>(*env, c10::Device(device), ms);
  log::info("distributed: rank ", env->rank, " of ", env->world_size, " on ", device, " (", 
            env->use_agent_store ? "torchrun's store" : "store on rank 0", " at ", env->master_addr, ":",
            env->master_port, ")");
  return group;
}

}  // namespace

int run_train(const Args& args) {
  keep_large_blocks_in_heap();
  ModelOptions model_opts;
  TrainFlags flags;
  train::TrainConfig config;
  po::options_description options;
  options.add(model_options(model_opts)).add(train_options(flags, config));
  po::variables_map vm;
  if (!parse_options(args, options, {}, vm)) {
    print_usage("train", "Fine-tune a LoRA adapter on instruction data (PEFT format out).", options);
    return 0;
  }
  data::DataConfig data_config;
  try {
    config.validate();
    data_config.format = data::parse_format(flags.format);
    data_config.max_seq_len = flags.max_seq_len;
    data_config.train_on_prompt = flags.train_on_prompt;
    data_config.packing = flags.packing;
    data_config.seed = config.seed;
    data_config.eval_fraction = flags.eval_fraction;
    data_config.eval_path = flags.eval;
    data_config.skip_bad_lines = flags.skip_bad_lines;
    data_config.cache_dir = fs::path(flags.out) / "cache";
    data_config.validate();
  } catch (const ConfigFieldError& e) {
    throw UsageError(flag_message(e));  // a bad flag value: exit code 2
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  LORAG_CHECK(fs::is_regular_file(flags.data), IoError, flags.data, ": no such data file (--data)");
  LORAG_CHECK(flags.eval.empty() || fs::is_regular_file(flags.eval), IoError, flags.eval,
              ": no such eval file (--eval)");

  LORAG_CHECK(!(config.gradient_checkpointing && flags.no_gradient_checkpointing), UsageError,
              "--gradient-checkpointing and --no-gradient-checkpointing exclude each other");
  auto group = join_group(model_opts, flags.dist_timeout);
  const bool rank0 = !group || group->rank() == 0;
  if (!rank0) data_config.cache_dir.clear();  // rank 0 alone writes into the run folder
  const auto model_path = resolve_model_path(model_opts);
  auto loaded = model::load_model(model_path, model_opts.load);
  if (!flags.quantize.empty()) {
    const auto report = model::quant::quantize_linear_bases(*loaded.net, model::quant::parse_quantize_type(flags.quantize));
    log::info("--quantize ", flags.quantize, ": ", report.matrices, " matrices quantized at load (", report.bytes >> 20,
              " MiB), ", report.skipped, " left dense (rows not a multiple of the block)");
    malloc_trim(0);  // hand the freed dense weights back to the system
  }
  if ((loaded.quantized_tensors > 0 || !flags.quantize.empty()) && !flags.no_gradient_checkpointing &&
      !config.gradient_checkpointing) {
    // QLoRA as PEFT's prepare_model_for_kbit_training sets it up: with the base at
    // 4-5 bits, the activations kept for backward are most of the rest (issue 17).
    config.gradient_checkpointing = true;
    log::info("quantized base: gradient checkpointing on (--no-gradient-checkpointing turns it off)");
  }
  const auto tmpl = data_template(loaded, model_opts.chat_template);
  auto dataset = data::build_dataset(flags.data, *loaded.tokenizer, tmpl, data_config);
  const auto& st = dataset.stats;
  log::info("data ", flags.data, " (", data::format_name(st.format), "): ", dataset.train.size(), " train / ",
            dataset.eval.size(), " eval sequences, ", st.train_tokens, " tokens, ", st.label_tokens,
            " labels; truncated ", st.truncated, ", dropped ", st.dropped, st.from_cache ? " (token cache)" : "");

  train::TrainData train_data{std::move(dataset.train), std::move(dataset.eval), data::pad_id_for(loaded.tokenizer->special_tokens())};
  train::Trainer trainer(loaded.net, config, std::move(train_data), {flags.out, model_path, flags.resume, rank0, group.get()});
  nlohmann::json resolved = {
      {"model", model_path},
      {"device", loaded.net->device().str()},
      {"dtype", c10::toString(loaded.net->dtype())},
      {"chat_template", tmpl ? tmpl->name() : "none"},
      {"data", flags.data},
      {"eval", flags.eval},
      {"eval_fraction", flags.eval_fraction},
      {"format", data::format_name(st.format)},
      {"max_seq_len", flags.max_seq_len},
      {"packing", flags.packing},
      {"train_on_prompt", flags.train_on_prompt},
      {"resume", flags.resume},
      {"total_steps", trainer.total_steps()},
      {"world_size", group ? group->world_size() : 1},
      {"train", train::to_json(config)}};
  log::info("config ", resolved.dump());
  if (rank0) {
    fs::create_directories(flags.out);
    write_file_atomically(fs::path(flags.out) / "train_config.json", resolved.dump(2) + "\n");
  }

  const auto summary = trainer.run();
  std::string eval;
  if (summary.eval_loss) eval = ", eval loss " + std::to_string(*summary.eval_loss) + ", perplexity " + std::to_string(*summary.eval_ppl);
  log::info("trained ", summary.steps, " steps, ", summary.tokens, " tokens in ", summary.seconds, " s; last loss ",
            summary.last_loss, eval, "; adapter in ", flags.out);
  if (group) {
    const double total = static_cast<double>(summary.tokens_run) / std::max(summary.seconds, 1e-9);
    log::info("distributed: ", summary.world_size, " processes, ", total / static_cast<double>(summary.world_size),
              " tokens/s per process, ", total, " in total; collectives ",
              1000.0 * summary.collective_seconds / static_cast<double>(std::max<int64_t>(summary.steps_run, 1)),
              " ms per step");
  }
  return 0;
}

}  // namespace lorag::cli
