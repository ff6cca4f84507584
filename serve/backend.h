// SPDX-License-Identifier: Apache-2.0
// The interface `lorag serve` calls (serve/): everything the HTTP server needs
// from the inference engine and the document stores, as plain structs with no
// HTTP types. The engine-backed implementation is one adapter file over
// `infer/` + `rag/`; tests use a fake.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/core/error.h"

namespace lorag::serve {

// One entry of `GET /v1/models`.
struct ModelInfo {
  std::string id;          // name clients put in "model", e.g. "SmolLM2-135M" or "hr-lora"
  std::string kind;        // "base", "adapter" or "embedding"
  std::string parent;      // base model id for an adapter; empty otherwise
  int64_t created = 0;     // Unix seconds the model or adapter was loaded
};

// One chat message after validation: content parts are already joined.
struct ChatMessage {
  std::string role;     // "system", "user" or "assistant" ("developer" arrives as "system")
  std::string content;  // UTF-8 text
};

// Sampling knobs, OpenAI semantics unless noted; the server has range-checked them.
struct SamplingParams {
  int max_tokens = -1;                 // new tokens per choice; -1: up to the context limit
  double temperature = 1.0;            // 0 = greedy; OpenAI default 1
  double top_p = 1.0;                  // nucleus mass in [0, 1]
  int top_k = 0;                       // lorag extension; 0 (or -1 on the wire) = off
  double min_p = 0.0;                  // lorag extension, [0, 1]
  double repetition_penalty = 1.0;     // lorag extension, transformers semantics, > 0
  double frequency_penalty = 0.0;      // [-2, 2]
  double presence_penalty = 0.0;       // [-2, 2]
  std::optional<int64_t> seed;         // same seed, same text
  std::vector<std::string> stop;       // stop strings, not included in the output
  int n = 1;                           // choices to generate, >= 1
};

// One retrieved passage, numbered from 1 as `lorag ask` cites them.
struct Source {
  int index = 0;           // 1-based number the answer cites as [index]
  std::string doc_id;      // e.g. "hr/leave.md"
  std::string title;       // e.g. "Annual leave"
  double score = 0.0;      // cosine similarity
  std::string text;        // the passage text given to the model
};

// A validated generation request: a chat (`messages`) or a raw completion (`prompt`).
struct GenerationJob {
  std::string model;                  // base model id or adapter name (from list_models)
  bool chat = true;                   // true: `messages` through the chat template; false: `prompt`
  std::vector<ChatMessage> messages;  // chat only
  std::string prompt;                 // completion only
  SamplingParams sampling;
  std::vector<Source> sources;        // non-empty: answer grounded in these passages (as `lorag ask`)
};

// Token count of a job's prompt (template and passages included) and the limit.
struct PromptCheck {
  int prompt_tokens = 0;    // e.g. 812
  int context_length = 0;   // the model's window (or --ctx-size), e.g. 2048
};

enum class StreamControl { kContinue, kStop };

// How one choice ended. `finish_reason` is "stop" (EOS or a stop string),
// "length" (max_tokens or context), "cancelled" (a callback said stop or cancel())
// or "error" (then `error` says why).
struct FinishInfo {
  int index = 0;                 // choice index in [0, n)
  std::string finish_reason;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  std::string error;
};

// Callbacks of one job. They are called from the engine's threads, never
// concurrently for the same job, and must return quickly (no I/O waits).
// `on_delta` gets UTF-8 text of choice `index` (whole code points); returning
// kStop cancels the whole job. `on_finish` is called exactly once per choice,
// after its last delta, also after a cancel.
struct JobCallbacks {
  std::function<StreamControl(int index, std::string_view text)> on_delta;
  std::function<void(const FinishInfo& info)> on_finish;
};

// A running job. Destroying the handle does not cancel it; `cancel()` asks the
// engine to stop at its next step (on_finish still follows). Thread-safe.
class JobHandle {
 public:
  virtual ~JobHandle() = default;
  virtual void cancel() = 0;
};

struct EmbeddingResult {
  std::vector<std::vector<float>> vectors;  // one unit-norm [dim] vector per input
  int prompt_tokens = 0;                    // tokens over all inputs
};

// Engine load for /metrics and admission.
struct LoadInfo {
  int queue_length = 0;  // jobs waiting for a slot
  int slots_busy = 0;    // slots generating
  int slots_total = 0;   // --parallel
};

// What a backend throws for a request it cannot serve; the server maps `kind`
// to the HTTP status (kNotFound 404, kInvalid 400, kUnavailable 503, kInternal 500).
struct BackendError : Error {
  enum class Kind { kNotFound, kInvalid, kUnavailable, kInternal };
  BackendError(Kind k, const std::string& message, std::string param_name = "")
      : Error(message), kind(k), param(std::move(param_name)) {}
  Kind kind;
  std::string param;  // request field it concerns, e.g. "lora_name"; may be empty
};

// The engine and stores behind the server. Every method may be called from many
// HTTP threads at once: implementations are thread-safe. Methods throw
// BackendError for a request they refuse (unknown model, store or adapter).
class Backend {
 public:
  virtual ~Backend() = default;

  // Base model, loaded adapters and embedding models, base first.
  virtual std::vector<ModelInfo> list_models() = 0;
  // Names of the document stores a request may ground its answer in.
  virtual std::vector<std::string> list_stores() = 0;

  // Tokens the job's prompt takes (chat template and `sources` included) and
  // the context limit; the server refuses prompt + max_tokens over the limit.
  virtual PromptCheck check_prompt(const GenerationJob& job) = 0;
  // Queues the job and returns at once; results arrive through `callbacks`.
  virtual std::unique_ptr<JobHandle> start(const GenerationJob& job, JobCallbacks callbacks) = 0;

  // Sentence embeddings of `inputs` with embedding model `model`.
  virtual EmbeddingResult embed(const std::string& model, const std::vector<std::string>& inputs) = 0;
  // The `top_k` best passages of store `store` for `query`, numbered from 1.
  virtual std::vector<Source> retrieve(const std::string& store, const std::string& query, int top_k) = 0;

  // Loads a PEFT adapter folder under `name` (kInvalid if the name is taken or
  // the folder does not fit the model) / unloads it (kNotFound if not loaded).
  virtual void load_adapter(const std::string& name, const std::string& path) = 0;
  virtual void unload_adapter(const std::string& name) = 0;

  virtual LoadInfo load() = 0;
};

}  // namespace lorag::serve
