// SPDX-License-Identifier: Apache-2.0
// Training checkpoints (train/): `checkpoints/step-N/` with the adapter in PEFT
// format, the AdamW state, the RNG states, the data position and the metrics so
// far, written into a temp folder and renamed into place.
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "adapters/adapter_set.h"

namespace lorag::train {

// Where the run stands between two optimizer steps.
struct TrainerState {
  int64_t step = 0;            // optimizer steps done
  int64_t epoch = 0;           // current epoch (0-based)
  int64_t batch_in_epoch = 0;  // next micro-batch of that epoch (per rank)
  // Examples of the epoch's global order consumed by all ranks together: what a
  // run with another world size resumes from. -1 when read from a checkpoint
  // written before it existed (one process: batch_in_epoch * batch_size).
  int64_t samples_in_epoch = -1;
  int64_t world_size = 1;      // processes of the run that wrote it
  int64_t tokens_seen = 0;     // real tokens trained on so far
  int64_t total_steps = 0;     // the run's planned steps (the schedule depends on it)
};

// Writes the checkpoint `run_dir`/checkpoints/step-<state.step>: adapter_config.json
// + adapter_model.safetensors, optimizer.pt, rng_state.pt (torch's default CPU
// generator, and CUDA's on `device` when it is CUDA), trainer_state.json and a
// copy of `metrics_csv`. Built in a temp folder beside it, then renamed (an
// existing step-N is replaced). Returns the folder. Throws IoError.
std::filesystem::path save_checkpoint(const std::filesystem::path& run_dir, const adapters::AdapterSet& adapter,
                                      torch::optim::Optimizer& optimizer, const TrainerState& state,
                                      const c10::Device& device, const std::filesystem::path& metrics_csv);

// The checkpoint folder `path` names: a step-N folder itself, or a run folder
// (its latest checkpoints/step-N). Throws IoError when there is none.
std::filesystem::path find_checkpoint(const std::filesystem::path& path);

// Reads trainer_state.json; throws IoError/FormatError naming the file.
TrainerState read_trainer_state(const std::filesystem::path& checkpoint);
// Loads optimizer.pt into `optimizer` (built over the same parameters in the same order).
void load_optimizer_state(const std::filesystem::path& checkpoint, torch::optim::Optimizer& optimizer);
// Restores the generators saved by save_checkpoint.
void restore_rng_state(const std::filesystem::path& checkpoint, const c10::Device& device);

}  // namespace lorag::train
