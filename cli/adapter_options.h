// SPDX-License-Identifier: Apache-2.0
// The adapter option group (cli/): --adapter, --use, --merge, --adapter-dtype,
// bound to AdapterOptions like the groups in options.h, and loading them onto a
// ModelSession. Shared by generate, chat, bench, merge and later ask/compare.
#pragma once

#include <string>
#include <vector>

#include "cli/model_session.h"
#include "cli/options.h"

namespace lorag::cli {

struct AdapterOptions {
  std::vector<std::string> adapters;  // --adapter, repeatable: "DIR" or "NAME=DIR", e.g. "math=out/math"
  std::string use;                    // --use: the default adapter's name; "base" = none
  bool merge = false;                 // --merge: merge the default adapter into the weights at load
  std::string dtype = "auto";         // --adapter-dtype: auto (the model's), fp32, bf16, fp16
};

// --adapter, --use, --adapter-dtype, --merge.
po::options_description adapter_options(AdapterOptions& options);

// Checks the flag combinations before anything is loaded: --use/--merge/
// --adapter-dtype need --adapter, --merge with several adapters needs --use.
// Throws UsageError naming the flags.
void validate_adapter_options(const AdapterOptions& options);

// Loads the adapters onto `session` (session.adapters; left null when none are
// given), attaching or merging the default one, and logs them on stderr. Throws
// what adapters::InferenceAdapters throws (a misfit names the module and shapes).
void load_adapters(ModelSession& session, const AdapterOptions& options);

}  // namespace lorag::cli
