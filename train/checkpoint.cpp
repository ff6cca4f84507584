// SPDX-License-Identifier: Apache-2.0
#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "adapters/peft_io.h"
#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"

namespace lorag::train {
namespace fs = std::filesystem;

namespace {
constexpr const char* kStateFile = "trainer_state.json";

at::Generator cuda_generator(const c10::Device& device) {
  return at::detail::getCUDAHooks().getDefaultGenerator(device.index());
}
}  // namespace

fs::path save_checkpoint(const fs::path& run_dir, const adapters::AdapterSet& adapter,
                         torch::optim::Optimizer& optimizer, const TrainerState& state, const c10::Device& device,
                         const fs::path& metrics_csv) {
  const auto root = run_dir / "checkpoints";
  const auto final_dir = root / ("step-" + std::to_string(state.step));
  const auto tmp = root / (".tmp-step-" + std::to_string(state.step));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  LORAG_CHECK(!ec, IoError, tmp.string(), ": cannot create checkpoint folder: ", ec.message());
  try {
    adapters::save_peft_adapter(adapter, tmp);
    torch::save(optimizer, (tmp / "optimizer.pt").string());
    torch::serialize::OutputArchive rng;
    rng.write("cpu", at::detail::getDefaultCPUGenerator().get_state());
    if (device.is_cuda()) rng.write("cuda", cuda_generator(device).get_state());
    rng.save_to((tmp / "rng_state.pt").string());
    const nlohmann::json j = {{"step", state.step},
                              {"epoch", state.epoch},
                              {"batch_in_epoch", state.batch_in_epoch},
                              {"samples_in_epoch", state.samples_in_epoch},
                              {"world_size", state.world_size},
                              {"tokens_seen", state.tokens_seen},
                              {"total_steps", state.total_steps}};
    write_file_atomically(tmp / kStateFile, j.dump(2) + "\n");
    if (fs::exists(metrics_csv)) write_file_atomically(tmp / "metrics.csv", read_file(metrics_csv));
  } catch (const c10::Error& e) {
    fs::remove_all(tmp, ec);
    LORAG_FAIL(IoError, tmp.string(), ": cannot write checkpoint: ", e.what_without_backtrace());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  // Every file on disk before the folder takes its final name, and the rename
  // itself made durable: a crash leaves the old checkpoint or the whole new one.
  for (const auto& entry : fs::directory_iterator(tmp)) {
    if (entry.is_regular_file()) sync_path(entry.path());
  }
  sync_path(tmp);
  fs::remove_all(final_dir, ec);
  rename_durably(tmp, final_dir);
  return final_dir;
}

fs::path find_checkpoint(const fs::path& path) {
  if (fs::is_regular_file(path / kStateFile)) return path;
  const auto root = path / "checkpoints";
  LORAG_CHECK(fs::is_directory(path), IoError, path.string(), ": no such checkpoint or run folder");
  fs::path best;
  int64_t best_step = -1;
  static const std::regex kName("step-([0-9]+)");
  if (fs::is_directory(root)) {
    for (const auto& entry : fs::directory_iterator(root)) {
      std::smatch m;
      const auto name = entry.path().filename().string();
      if (!std::regex_match(name, m, kName) || !fs::is_regular_file(entry.path() / kStateFile)) continue;
      const int64_t step = std::stoll(m[1]);
      if (step > best_step) best_step = step, best = entry.path();
    }
  }
  LORAG_CHECK(best_step >= 0, IoError, path.string(), ": no ", kStateFile,
              " here and no checkpoints/step-N in it (hint: pass a folder written by lorag train --save-every)");
  return best;
}

TrainerState read_trainer_state(const fs::path& checkpoint) {
  const auto file = checkpoint / kStateFile;
  const nlohmann::json j = read_json_file(file);
  try {
    TrainerState s;
    s.step = j.at("step").get<int64_t>();
    s.epoch = j.at("epoch").get<int64_t>();
    s.batch_in_epoch = j.at("batch_in_epoch").get<int64_t>();
    s.tokens_seen = j.at("tokens_seen").get<int64_t>();
    s.total_steps = j.at("total_steps").get<int64_t>();
    s.samples_in_epoch = j.value("samples_in_epoch", int64_t{-1});
    s.world_size = j.value("world_size", int64_t{1});
    return s;
  } catch (const nlohmann::json::exception& e) {  // a missing or mistyped field
    LORAG_FAIL(FormatError, file.string(), ": ", e.what());
  }
}

void load_optimizer_state(const fs::path& checkpoint, torch::optim::Optimizer& optimizer) {
  const auto file = checkpoint / "optimizer.pt";
  LORAG_CHECK(fs::is_regular_file(file), IoError, file.string(), ": missing");
  try {
    torch::load(optimizer, file.string());
  } catch (const c10::Error& e) {
    LORAG_FAIL(FormatError, file.string(), ": cannot load optimizer state: ", e.what_without_backtrace());
  }
}

void restore_rng_state(const fs::path& checkpoint, const c10::Device& device) {
  const auto file = checkpoint / "rng_state.pt";
  LORAG_CHECK(fs::is_regular_file(file), IoError, file.string(), ": missing");
  torch::serialize::InputArchive rng;
  rng.load_from(file.string());
  at::Tensor cpu;
  rng.read("cpu", cpu);
  at::Generator cpu_gen = at::detail::getDefaultCPUGenerator();  // a handle on the global one
  cpu_gen.set_state(cpu);
  at::Tensor cuda;
  if (device.is_cuda() && rng.try_read("cuda", cuda)) cuda_generator(device).set_state(cuda);
}

}  // namespace lorag::train
