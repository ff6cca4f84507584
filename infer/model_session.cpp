// SPDX-License-Identifier: Apache-2.0
#include "infer/model_session.h"

#include <c10/core/ScalarType.h>

#include <algorithm>

#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::infer {

ModelSession open_model_session(const std::filesystem::path& path, const model::LoadOptions& load,
                                const std::string& chat_template) {
  ModelSession s;
  s.model = model::load_model(path, load);
  s.formatter = std::make_unique<PromptFormatter>(s.model.tokenizer, s.model.chat_template_source, chat_template);
  s.generator = std::make_unique<Generator>(s.model.net, s.model.tokenizer);
  log::info("model ", path.string(), " (", s.model.config.architecture, ", ", c10::toString(s.model.net->dtype()),
            " on ", s.model.net->device().str(), ", chat template ", s.formatter->template_name(), ") loaded in ",
            s.model.load_seconds, " s");
  return s;
}

void select_adapter(ModelSession& session, const std::string& name) {
  if (session.adapters) return session.adapters->select(name);
  LORAG_CHECK(name.empty() || name == adapters::kBaseAdapter, UsageError, "no adapter named '", name,
              "' (no --adapter given)");
}

std::unique_ptr<Engine> make_engine(ModelSession& session, EngineConfig config, int64_t longest_prompt,
                                    int64_t max_new_tokens) {
  const int64_t context = session.model.config.context_length();
  LORAG_CHECK(longest_prompt < context, UsageError, "prompt of ", longest_prompt,
              " tokens does not fit the model's context of ", context, " tokens");
  if (config.ctx_size == 0) config.ctx_size = std::min(context, longest_prompt + std::max<int64_t>(max_new_tokens, 1));
  return std::make_unique<Engine>(session.model.net, session.model.tokenizer, config, session.adapters.get());
}

}  // namespace lorag::infer
