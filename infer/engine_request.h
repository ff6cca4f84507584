// SPDX-License-Identifier: Apache-2.0
// The engine's plain request and result structs (infer/): what a caller submits
// to Engine (infer/engine.h), what it streams back, and how a request ended.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "infer/generate_config.h"

namespace lorag::infer {

// What a stream callback tells the engine after each token.
enum class StreamAction { kContinue, kStop };

// One step of a request's stream: the token just generated and the text it made
// certain (valid UTF-8, not part of a possible stop string; often "").
struct StreamChunk {
  int64_t token_id = -1;
  std::string text;
};

// Called on the engine's scheduler thread after every generated token (and once
// more with the held-back tail at the end, token_id -1). Returning kStop cancels
// the request (client gone): its slot is freed at once. Must not call back into
// the engine's scheduling (submit() and cancel() are fine).
using StreamCallback = std::function<StreamAction(const StreamChunk&)>;

struct EngineRequest {
  std::vector<int64_t> prompt;  // token ids (e.g. PromptFormatter::encode_chat), not empty
  // Sampling, stop strings, stop token ids, max_new_tokens and seed of this request
  // alone; validate()d at submit.
  GenerateConfig config;
  std::string adapter;          // adapter name; "" = the default one, "base" = none
  StreamCallback on_token;      // may be empty
};

struct EngineResult {
  uint64_t id = 0;                 // what submit() returned
  std::vector<int64_t> token_ids;  // generated ids, without the final eos/stop token
  std::string text;                // decoded output, cut before any stop string
  // "eos" (end-of-sequence or a stop token id), "stop" (a stop string),
  // "length" (max_new_tokens or the slot's context), "cancelled" (cancel() or the
  // stream callback), "error" (see `error`).
  std::string finish_reason;
  std::string error;               // one-line message when finish_reason is "error"
  std::string adapter;             // the adapter it ran with ("base" = none)
  int64_t prompt_tokens = 0;       // prompt length
  int64_t reused_tokens = 0;       // prompt tokens whose keys/values came from the slot's previous request
  int64_t completion_tokens = 0;   // generated tokens (token_ids.size())
  double queue_seconds = 0;        // submit to admission into a slot
  double first_token_seconds = 0;  // submit to first token (time to first token)
  double total_seconds = 0;        // submit to finish
};

}  // namespace lorag::infer
