// SPDX-License-Identifier: Apache-2.0
// What generate, chat, ask, compare and bench share (cli/): open the model named
// by the flags as an infer::ModelSession (infer/model_session.h), hold its
// adapters (adapter_options.h), report speed on stderr.
#pragma once

#include "cli/options.h"
#include "infer/model_session.h"

namespace lorag::cli {

using infer::ModelSession;
using infer::select_adapter;

// Loads the model the flags name and logs what was loaded (stderr).
ModelSession open_session(const ModelOptions& options);

// "load 0.4 s | prefill 31 tok, 812 tok/s | decode 64 tok, 95.1 tok/s" on stderr.
void report_speed(const ModelSession& session, const infer::GenerationStats& stats);

}  // namespace lorag::cli
