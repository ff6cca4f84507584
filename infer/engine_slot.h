// SPDX-License-Identifier: Apache-2.0
// One engine slot (infer/): a row of the preallocated KV cache, the tokens whose
// keys/values it holds, and the request running in it. Owned and touched by the
// scheduler thread only.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "infer/engine_request.h"
#include "infer/row_sampler.h"
#include "infer/stop_string_filter.h"
#include "model/text/utf8_stream.h"

namespace lorag::infer {

using EngineClock = std::chrono::steady_clock;

// A submitted request waiting for a slot.
struct PendingRequest {
  uint64_t id = 0;
  EngineRequest request;
  std::string adapter;  // resolved: the default's name for "", "base" for none
  std::promise<EngineResult> promise;
  EngineClock::time_point submitted;
};

// A request that holds a slot: its decoding state and its result so far.
struct ActiveRequest {
  ActiveRequest(PendingRequest pending, const model::text::Tokenizer& tokenizer, int64_t vocab)
      : id(pending.id),
        request(std::move(pending.request)),
        promise(std::move(pending.promise)),
        submitted(pending.submitted),
        sampler(request.config, request.prompt, vocab),
        decoder(tokenizer, true),
        stops(request.config.stop) {
    result.id = id;
    result.adapter = pending.adapter;
    result.prompt_tokens = static_cast<int64_t>(request.prompt.size());
  }
  uint64_t id;
  EngineRequest request;
  std::promise<EngineResult> promise;
  EngineClock::time_point submitted;
  RowSampler sampler;
  model::text::Utf8StreamDecoder decoder;
  StopStringFilter stops;
  EngineResult result;
};

struct Slot {
  enum class State { kFree, kPrefill, kDecode };
  State state = State::kFree;
  // Tokens whose keys/values sit at positions [0, cached.size()) of this slot's
  // cache row: the prefix a later request may reuse.
  std::vector<int64_t> cached;
  std::string cached_adapter;       // the adapter those keys/values were computed with
  std::vector<int64_t> to_prefill;  // tokens still to run through the model before sampling
  int64_t next_token = -1;          // sampled, not yet fed (kDecode)
  std::unique_ptr<ActiveRequest> active;
};

}  // namespace lorag::infer
