// SPDX-License-Identifier: Apache-2.0
// What every generation path shares (infer/): a loaded model, its prompt
// formatter, its generator and its adapters.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "adapters/inference_adapters.h"
#include "infer/engine.h"
#include "infer/generator.h"
#include "infer/prompt_formatter.h"
#include "model/model_loader.h"

namespace lorag::infer {

struct ModelSession {
  model::LoadedModel model;
  std::unique_ptr<PromptFormatter> formatter;
  std::unique_ptr<Generator> generator;  // runs through a one-off Engine per call
  std::unique_ptr<adapters::InferenceAdapters> adapters;  // null until adapters are loaded
};

// Loads the model at `path` (folder or .gguf) with its formatter (`chat_template`:
// "" = recognised from the model, "none", or a template name) and logs what was
// loaded on stderr. Throws what load_model and PromptFormatter throw.
ModelSession open_model_session(const std::filesystem::path& path, const model::LoadOptions& load,
                                const std::string& chat_template);

// Makes `name` the active adapter ("" = the default); no-op without adapters when
// `name` is "" or "base". Throws UsageError for a name that is not loaded.
void select_adapter(ModelSession& session, const std::string& name);

// An engine on the session's model and adapters for prompts of at most
// `longest_prompt` tokens: `config.ctx_size` 0 becomes just enough for them plus
// `max_new_tokens`, within the model's context. Throws UsageError when such a
// prompt does not fit the model's context, ConfigError for a bad config.
std::unique_ptr<Engine> make_engine(ModelSession& session, EngineConfig config, int64_t longest_prompt,
                                    int64_t max_new_tokens);

}  // namespace lorag::infer
