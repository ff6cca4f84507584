// SPDX-License-Identifier: Apache-2.0
#include "model/cuda/cuda_plugin.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "model/core/error.h"
#include "model/core/log.h"
#include "model/cuda/cuda_ops.h"

namespace lorag::model::cuda {
namespace {
namespace fs = std::filesystem;

[[maybe_unused]] constexpr char kPluginFile[] = "liblorag_cuda.so";

// The one process-wide handle: a shared library is loaded once per process.
std::atomic<void*> g_plugin{nullptr};

std::string last_dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

[[maybe_unused]] std::vector<fs::path> plugin_candidates() {  // unused without the plugin
  if (const char* env = std::getenv("LORAG_CUDA_PLUGIN"); env && *env) return {env};
  std::vector<fs::path> paths;
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) paths.push_back(exe.parent_path() / kPluginFile);
#ifdef LORAG_CUDA_PLUGIN_BUILD_PATH
  paths.emplace_back(LORAG_CUDA_PLUGIN_BUILD_PATH);
#endif
  return paths;
}

}  // namespace

int driver_device_count(std::string* why) {
  // The driver API by hand (two calls): linking it would defeat the point.
  using CuInit = int (*)(unsigned);
  using CuDeviceGetCount = int (*)(int*);
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver) {
    if (why) *why = "no CUDA driver on this machine (" + last_dl_error() + ")";
    return 0;
  }
  auto init = reinterpret_cast<CuInit>(dlsym(driver, "cuInit"));
  auto count_devices = reinterpret_cast<CuDeviceGetCount>(dlsym(driver, "cuDeviceGetCount"));
  int count = 0;
  if (!init || !count_devices) {
    if (why) *why = "libcuda.so.1 lacks cuInit/cuDeviceGetCount";
    return 0;
  }
  if (int rc = init(0); rc != 0) {
    if (why) *why = "the CUDA driver failed to initialise (cuInit error " + std::to_string(rc) + ")";
    return 0;
  }
  if (count_devices(&count) != 0 || count <= 0) {
    if (why) *why = "the CUDA driver reports no device";
    return 0;
  }
  return count;
}

bool load_plugin(std::string* why) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (g_plugin.load()) return true;
#ifndef LORAG_CUDA_PLUGIN_BUILD_PATH
  if (why) *why = "this lorag was built without CUDA support (LORAG_CUDA=OFF or a CPU-only LibTorch)";
  return false;
#else
  std::string tried;
  for (const auto& path : plugin_candidates()) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!handle) {
      if (why) *why = "cannot load the CUDA plugin " + path.string() + ": " + last_dl_error();
      return false;
    }
    log::debug("cuda: loaded ", path.string());
    g_plugin.store(handle);
    return true;
  }
  if (why) *why = "the CUDA plugin " + std::string(kPluginFile) + " is missing (looked at " + tried + ")";
  return false;
#endif
}

void* plugin_symbol(const char* name) {
  if (void* handle = g_plugin.load()) return dlsym(handle, name);
  return dlsym(RTLD_DEFAULT, name);  // a binary that links the plugin
}

bool plugin_present() { return plugin_symbol(kModelOpsSymbol) != nullptr; }

const ModelCudaOps* model_ops() {
  static std::atomic<const ModelCudaOps*> cached{nullptr};
  if (const auto* ops = cached.load(std::memory_order_acquire)) return ops;
  const auto* ops = plugin_ops<ModelCudaOps>(kModelOpsSymbol);
  if (ops) cached.store(ops, std::memory_order_release);
  return ops;
}

void prepare_device(const std::string& device, const std::string& flag) {
  if (device == "cpu") return;
  const bool required = device == "cuda" || device.starts_with("cuda:");
  if (!required && device != "auto") return;  // resolve_device reports a bad name
  std::string why;
  if (driver_device_count(&why) == 0) {
    LORAG_CHECK(!required, Error, flag, " ", device, ": ", why, " (use --device cpu)");
    return;
  }
  if (plugin_present() || load_plugin(&why)) return;
  LORAG_CHECK(!required, Error, flag, " ", device, ": ", why);
  static std::once_flag warned;
  std::call_once(warned, [&] { log::warn("running on the cpu: ", why); });
}

}  // namespace lorag::model::cuda
