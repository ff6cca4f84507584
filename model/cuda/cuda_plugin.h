// SPDX-License-Identifier: Apache-2.0
// The CUDA side of lorag lives in one shared library, liblorag_cuda.so (lorag's
// kernels, CUDA graphs, NCCL), linked against libtorch_cuda. Nothing else in lorag
// links CUDA, so a CPU run never maps the ~400 MiB of CUDA libraries; a CUDA run
// loads the plugin at start-up (model/cuda).
#pragma once

#include <string>

namespace lorag::model::cuda {

// CUDA devices the driver reports (libcuda.so.1, opened at run time); 0 without a
// driver or a device, and `why` then says which.
int driver_device_count(std::string* why = nullptr);

// Loads liblorag_cuda.so once, with RTLD_GLOBAL: it pulls in libtorch_cuda, whose
// static initializers register torch's CUDA backend as if it were linked. Looked
// for at $LORAG_CUDA_PLUGIN, beside the executable, then in the build tree. Must
// run before anything asks torch about CUDA (torch keeps the first CUDA hooks it
// sees). False, with `why`, when the plugin is missing or does not load.
bool load_plugin(std::string* why = nullptr);

// Whether the plugin's code is in this process (loaded, or linked into a test binary).
bool plugin_present();

// An entry point the plugin exports, or nullptr.
void* plugin_symbol(const char* name);

// The plugin's table `Ops` returned by its entry point `symbol`, or nullptr.
template <typename Ops>
const Ops* plugin_ops(const char* symbol) {
  using Entry = const Ops* (*)();
  auto entry = reinterpret_cast<Entry>(plugin_symbol(symbol));
  return entry ? entry() : nullptr;
}

// Makes CUDA usable for a `--device` value before any tensor work: "cpu" does
// nothing; "cuda"/"cuda:N" loads the plugin or throws lorag::Error (no driver,
// no device, no plugin); "auto" loads it when the driver reports a device and
// otherwise stays on the CPU (a plugin that fails to load is a warning).
void prepare_device(const std::string& device, const std::string& flag = "--device");

}  // namespace lorag::model::cuda
