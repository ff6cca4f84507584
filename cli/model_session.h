// SPDX-License-Identifier: Apache-2.0
// What generate and chat share (cli/): load the model named by the flags,
// build its prompt formatter and generator, hold its adapters (adapter_options.h),
// report speed on stderr.
#pragma once

#include <memory>

#include "adapters/inference_adapters.h"
#include "cli/options.h"
#include "infer/generator.h"
#include "infer/prompt_formatter.h"
#include "model/model_loader.h"

namespace lorag::cli {

struct ModelSession {
  model::LoadedModel model;
  std::unique_ptr<infer::PromptFormatter> formatter;
  std::unique_ptr<infer::Generator> generator;
  std::unique_ptr<adapters::InferenceAdapters> adapters;  // null without --adapter (load_adapters)
};

// Makes `name` the active adapter ("" = the default); no-op without adapters when
// `name` is "" or "base". Throws UsageError for a name that is not loaded.
void select_adapter(ModelSession& session, const std::string& name);

// Loads the model and logs what was loaded (stderr).
ModelSession open_session(const ModelOptions& options);

// "load 0.4 s | prefill 31 tok, 812 tok/s | decode 64 tok, 95.1 tok/s" on stderr.
void report_speed(const ModelSession& session, const infer::GenerationStats& stats);

}  // namespace lorag::cli
