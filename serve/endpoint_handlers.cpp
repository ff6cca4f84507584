// SPDX-License-Identifier: Apache-2.0
// GET /v1/models, POST /v1/embeddings and the runtime adapter endpoints (serve/).
#include "serve/api_request.h"
#include "serve/api_response.h"
#include "serve/json_limits.h"
#include "serve/server_impl.h"

namespace lorag::serve::detail {

void handle_models(ServerImpl& s, const httplib::Request&, httplib::Response& res) {
  const ApiKey& key = *request_context().key;
  std::vector<ModelInfo> visible;
  for (ModelInfo& m : s.backend.list_models()) {
    if (key.may_use_model(m.id)) visible.push_back(std::move(m));  // a key sees what it may use
  }
  send_json(res, models_response(visible));
}

void handle_embeddings(ServerImpl& s, const httplib::Request& req, httplib::Response& res) {
  const EmbeddingRequest r = parse_embedding_request(parse_request_body(req.body, s.config.max_json_depth));
  s.check_model(r.model, "embedding");
  if (s.draining) throw ApiError(503, "server is shutting down", "server_error", "", "shutting_down");
  const EmbeddingResult result = s.backend.embed(r.model, r.inputs);
  RequestContext& ctx = request_context();
  ctx.prompt_tokens = result.prompt_tokens;
  s.metrics.add_tokens(result.prompt_tokens, 0);
  send_json(res, embeddings_response(r.model, result, r.base64));
}

void handle_adapter(ServerImpl& s, const httplib::Request& req, httplib::Response& res, bool load) {
  const ApiKey& key = *request_context().key;
  if (!key.admin) {
    throw ApiError(403, std::string("loading and unloading adapters needs an admin API key") +
                            (s.access.enabled() ? "" : " (hint: start the server with --api-key or an admin entry "
                                                       "in --api-key-file)"),
                   "permission_error", "", "admin_required");
  }
  const AdapterRequest r = parse_adapter_request(parse_request_body(req.body, s.config.max_json_depth), load);
  // vLLM answers these two endpoints with plain text.
  if (load) {
    s.backend.load_adapter(r.lora_name, r.lora_path);
    res.set_content("Success: LoRA adapter '" + r.lora_name + "' added successfully.", "text/plain");
  } else {
    s.backend.unload_adapter(r.lora_name);
    res.set_content("Success: LoRA adapter '" + r.lora_name + "' removed successfully.", "text/plain");
  }
}

}  // namespace lorag::serve::detail
