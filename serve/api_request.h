// SPDX-License-Identifier: Apache-2.0
// OpenAI request bodies parsed and validated into plain structs (serve/).
// Fields we do not support are ignored (as vLLM and llama.cpp do); a supported
// field with a wrong type or an out-of-range value throws ApiError 400 naming it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/backend.h"

namespace lorag::serve {

// lorag extension `"lorag": {"store": "kb", "top_k": 5}`: ground the answer in a store.
struct GroundingOptions {
  std::string store;  // store name given to `lorag serve --store NAME=DIR`
  int top_k = 4;      // passages, 1..64 (the default of `lorag ask`)
};

// POST /v1/chat/completions (chat = true) or /v1/completions (chat = false).
struct CompletionRequest {
  bool chat = true;
  std::string model;
  std::vector<ChatMessage> messages;  // chat: non-empty
  std::vector<std::string> prompts;   // completions: one per prompt string, non-empty
  SamplingParams sampling;
  bool stream = false;
  bool include_usage = false;         // stream_options.include_usage
  std::optional<GroundingOptions> grounding;
};

// POST /v1/embeddings.
struct EmbeddingRequest {
  std::string model;
  std::vector<std::string> inputs;  // a string or an array of strings
  bool base64 = false;              // encoding_format "base64" (little-endian float32)
};

// POST /v1/load_lora_adapter and /v1/unload_lora_adapter (vLLM's shapes).
struct AdapterRequest {
  std::string lora_name;
  std::string lora_path;  // load only
};

// Each throws ApiError 400 naming the offending field.
CompletionRequest parse_chat_request(const nlohmann::json& body);
CompletionRequest parse_completion_request(const nlohmann::json& body);
EmbeddingRequest parse_embedding_request(const nlohmann::json& body);
AdapterRequest parse_adapter_request(const nlohmann::json& body, bool need_path);

// The text retrieval searches for: the last user message, or the prompt.
std::string grounding_query(const CompletionRequest& request);

}  // namespace lorag::serve
