// SPDX-License-Identifier: Apache-2.0
// OpenAI response shapes (serve/), field for field as the API reference gives them.
#include "serve/api_response.h"

namespace lorag::serve {

using json = nlohmann::json;

std::string to_json_text(const json& value) {
  // Deltas cut by a stop string or an error message quoting request bytes may
  // hold invalid UTF-8; replacing beats a throw in the middle of a response.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string error_body(const ApiError& error) {
  json e = {{"message", error.what()},
            {"type", error.type},
            {"param", error.param.empty() ? json(nullptr) : json(error.param)},
            {"code", error.code.empty() ? json(nullptr) : json(error.code)}};
  return to_json_text(json{{"error", e}});
}

std::string sse_event(const json& value) { return "data: " + to_json_text(value) + "\n\n"; }

json usage_json(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

json sources_json(const std::vector<Source>& sources) {
  json list = json::array();
  for (const Source& s : sources) {
    list.push_back({{"index", s.index}, {"doc_id", s.doc_id}, {"title", s.title}, {"score", s.score}});
  }
  return {{"sources", list}};
}

json completion_response(const ResponseMeta& meta, const std::vector<ChoiceResult>& choices,
                         const Usage& usage, const std::vector<Source>& sources) {
  json list = json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    json c = {{"index", i}, {"logprobs", nullptr}, {"finish_reason", choices[i].finish_reason}};
    if (meta.chat) {
      c["message"] = {{"role", "assistant"}, {"content", choices[i].text}, {"refusal", nullptr}};
    } else {
      c["text"] = choices[i].text;
    }
    list.push_back(std::move(c));
  }
  json r = {{"id", meta.id},
            {"object", meta.chat ? "chat.completion" : "text_completion"},
            {"created", meta.created},
            {"model", meta.model},
            {"choices", std::move(list)},
            {"usage", usage_json(usage)}};
  if (!sources.empty()) r["lorag"] = sources_json(sources);
  return r;
}

json completion_chunk(const ResponseMeta& meta, int index, const std::string& text, bool role,
                      const std::string& finish_reason, bool include_usage) {
  json c = {{"index", index}, {"logprobs", nullptr},
            {"finish_reason", finish_reason.empty() ? json(nullptr) : json(finish_reason)}};
  if (meta.chat) {
    json delta = json::object();
    if (role) delta["role"] = "assistant";
    if (role || !text.empty()) delta["content"] = text;
    c["delta"] = std::move(delta);
  } else {
    c["text"] = text;
  }
  json r = {{"id", meta.id},
            {"object", meta.chat ? "chat.completion.chunk" : "text_completion"},
            {"created", meta.created},
            {"model", meta.model},
            {"choices", json::array({std::move(c)})}};
  if (include_usage) r["usage"] = nullptr;
  return r;
}

json usage_chunk(const ResponseMeta& meta, const Usage& usage) {
  return {{"id", meta.id},
          {"object", meta.chat ? "chat.completion.chunk" : "text_completion"},
          {"created", meta.created},
          {"model", meta.model},
          {"choices", json::array()},
          {"usage", usage_json(usage)}};
}

json models_response(const std::vector<ModelInfo>& models) {
  json data = json::array();
  for (const ModelInfo& m : models) {
    // "root"/"parent" as vLLM lists LoRA modules; "lorag_kind" tells base, adapter and embedder apart.
    data.push_back({{"id", m.id},
                    {"object", "model"},
                    {"created", m.created},
                    {"owned_by", "lorag"},
                    {"root", m.parent.empty() ? m.id : m.parent},
                    {"parent", m.parent.empty() ? json(nullptr) : json(m.parent)},
                    {"lorag_kind", m.kind}});
  }
  return {{"object", "list"}, {"data", std::move(data)}};
}

json embeddings_response(const std::string& model, const EmbeddingResult& result, bool base64) {
  json data = json::array();
  for (size_t i = 0; i < result.vectors.size(); ++i) {
    const auto& v = result.vectors[i];
    // base64 holds the little-endian float32 bytes, as the openai client decodes them.
    json emb = base64 ? json(base64_encode(v.data(), v.size() * sizeof(float))) : json(v);
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(emb)}});
  }
  return {{"object", "list"},
          {"data", std::move(data)},
          {"model", model},
          {"usage", {{"prompt_tokens", result.prompt_tokens}, {"total_tokens", result.prompt_tokens}}}};
}

std::string base64_encode(const void* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < size; i += 3) {
    const uint32_t n = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < size) {
    const uint32_t n = (p[i] << 16) | (i + 1 < size ? p[i + 1] << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace lorag::serve
