// SPDX-License-Identifier: Apache-2.0
// OpenAI response bodies and server-sent-event chunks (serve/), built from plain
// structs. Text that is not valid UTF-8 is written with U+FFFD in its place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/api_error.h"
#include "serve/backend.h"

namespace lorag::serve {

// Serialises `value` (invalid UTF-8 replaced, never throws on text).
std::string to_json_text(const nlohmann::json& value);

// `{"error": {"message", "type", "param", "code"}}` (empty param/code as null).
std::string error_body(const ApiError& error);

// One server-sent event: "data: <json>\n\n".
std::string sse_event(const nlohmann::json& value);
inline constexpr const char* kSseDone = "data: [DONE]\n\n";

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

struct ChoiceResult {
  std::string text;
  std::string finish_reason;  // "stop" or "length"
};

// What every chunk and response of one request shares.
struct ResponseMeta {
  std::string id;       // "chatcmpl-..." or "cmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;    // as requested
  bool chat = true;
};

nlohmann::json usage_json(const Usage& usage);
// `"lorag": {"sources": [{"index", "doc_id", "title", "score"}]}` payload.
nlohmann::json sources_json(const std::vector<Source>& sources);

// chat.completion / text_completion; `sources` adds the "lorag" member when non-empty.
nlohmann::json completion_response(const ResponseMeta& meta, const std::vector<ChoiceResult>& choices,
                                   const Usage& usage, const std::vector<Source>& sources);

// chat.completion.chunk / text_completion chunk for choice `index`. Chat: `role`
// puts {"role": "assistant"} in the delta; `text` goes in delta.content (omitted
// when both empty); `finish_reason` empty: null. `include_usage` adds "usage": null.
nlohmann::json completion_chunk(const ResponseMeta& meta, int index, const std::string& text, bool role,
                                const std::string& finish_reason, bool include_usage);
// The final usage chunk of stream_options.include_usage: "choices": [].
nlohmann::json usage_chunk(const ResponseMeta& meta, const Usage& usage);

nlohmann::json models_response(const std::vector<ModelInfo>& models);
nlohmann::json embeddings_response(const std::string& model, const EmbeddingResult& result, bool base64);

// Standard base64 of bytes (RFC 4648, with padding).
std::string base64_encode(const void* data, size_t size);

}  // namespace lorag::serve
