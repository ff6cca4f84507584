// SPDX-License-Identifier: Apache-2.0
#include "cli/model_session.h"

#include <c10/core/ScalarType.h>

#include <cstdio>

#include "model/core/error.h"
#include "model/core/log.h"

namespace lorag::cli {

ModelSession open_session(const ModelOptions& options) {
  ModelSession s;
  const auto path = resolve_model_path(options);
  s.model = model::load_model(path, options.load);
  s.formatter = std::make_unique<infer::PromptFormatter>(s.model.tokenizer, s.model.chat_template_source,
                                                         options.chat_template);
  s.generator = std::make_unique<infer::Generator>(s.model.net, s.model.tokenizer);
  log::info("model ", path, " (", s.model.config.architecture, ", ", c10::toString(s.model.net->dtype()), " on ",
            s.model.net->device().str(), ", chat template ", s.formatter->template_name(), ") loaded in ",
            s.model.load_seconds, " s");
  return s;
}

void select_adapter(ModelSession& session, const std::string& name) {
  if (session.adapters) return session.adapters->select(name);
  LORAG_CHECK(name.empty() || name == adapters::kBaseAdapter, UsageError, "no adapter named '", name,
              "' (no --adapter given)");
}

void report_speed(const ModelSession& session, const infer::GenerationStats& st) {
  char line[256];
  std::snprintf(line, sizeof line, "load %.2f s | prefill %lld tok, %.1f tok/s | decode %lld tok, %.1f tok/s",
                session.model.load_seconds, static_cast<long long>(st.prompt_tokens), st.prefill_tokens_per_second(),
                static_cast<long long>(st.generated_tokens), st.decode_tokens_per_second());
  log::info(line);
}

}  // namespace lorag::cli
