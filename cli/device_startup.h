// SPDX-License-Identifier: Apache-2.0
// Loads the CUDA plugin before a command runs when its flags ask for CUDA
// (model/cuda/cuda_plugin.h); a CPU run never maps the CUDA libraries.
#pragma once

#include "cli/commands.h"

namespace lorag::cli {

// Reads --device and --embedder-device (either form: `--device cuda`,
// `--device=cuda`; absent means auto) and prepares each before any tensor work.
// Throws lorag::Error when a requested CUDA device cannot be used.
void prepare_devices(const Args& args);

}  // namespace lorag::cli
