// SPDX-License-Identifier: Apache-2.0
#include "cli/model_session.h"

#include <cstdio>

#include "model/core/log.h"

namespace lorag::cli {

ModelSession open_session(const ModelOptions& options) {
  return infer::open_model_session(resolve_model_path(options), options.load, options.chat_template);
}

void report_speed(const ModelSession& session, const infer::GenerationStats& st) {
  char line[256];
  std::snprintf(line, sizeof line, "load %.2f s | prefill %lld tok, %.1f tok/s | decode %lld tok, %.1f tok/s",
                session.model.load_seconds, static_cast<long long>(st.prompt_tokens), st.prefill_tokens_per_second(),
                static_cast<long long>(st.generated_tokens), st.decode_tokens_per_second());
  log::info(line);
}

}  // namespace lorag::cli
