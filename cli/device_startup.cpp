// SPDX-License-Identifier: Apache-2.0
#include "cli/device_startup.h"

#include <string>

#include "model/cuda/cuda_plugin.h"

namespace lorag::cli {
namespace {

// The last value given for `flag` (as Boost keeps it), or `fallback`.
std::string flag_value(const Args& args, const std::string& flag, const std::string& fallback) {
  std::string value = fallback;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag && i + 1 < args.size()) value = args[i + 1];
    if (args[i].starts_with(flag + "=")) value = args[i].substr(flag.size() + 1);
  }
  return value;
}

}  // namespace

void prepare_devices(const Args& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") return;
  }
  model::cuda::prepare_device(flag_value(args, "--device", "auto"), "--device");
  const auto embedder = flag_value(args, "--embedder-device", "cpu");
  if (embedder != "cpu") model::cuda::prepare_device(embedder, "--embedder-device");
}

}  // namespace lorag::cli
