// SPDX-License-Identifier: Apache-2.0
// EngineBackend (serve/engine/): serve::Backend over the inference engine
// (infer/Engine: continuous batching, per-request adapters) and the document
// stores and sentence embedder of rag/. It only translates: a job becomes
// `n` engine submissions, the engine's per-token callback becomes `on_delta`,
// its result `on_finish`; retrieval and grounded prompts are `lorag ask`'s.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "infer/engine.h"
#include "infer/model_session.h"
#include "rag/answer/answerer.h"
#include "rag/document_store.h"
#include "rag/embedder.h"
#include "serve/backend.h"
#include "serve/engine/finish_watcher.h"

namespace lorag::serve::engine {

struct EngineBackendConfig {
  std::string model_id;         // the base model's name in "model", e.g. "SmolLM2-135M-Instruct"
  infer::EngineConfig engine;   // slots (--parallel), context per slot (--ctx-size; 0 = the model's), prefill chunk
  // Grounded answers: instructions, passage headers, context fitting; its
  // `generate.max_new_tokens` is what passages are fitted for, as `lorag ask`.
  rag::answer::AnswerConfig answer;
};

struct NamedStore {
  std::string name;             // what requests put in "lorag": {"store": ...}, e.g. "kb"
  std::filesystem::path dir;    // the store folder written by `lorag index`
};

class EngineBackend : public Backend {
 public:
  // Takes the loaded model (and its adapters, if any; a merged adapter is
  // refused: the base must stay reachable), the embedder (may be null: then no
  // embedding model and no stores) and opens `stores` read-only with it. Starts
  // the engine's scheduler thread. Throws UsageError for a merged adapter or a
  // store name given twice, what DocumentStore::open throws for a store, and
  // ConfigError for a bad engine config.
  EngineBackend(infer::ModelSession session, std::unique_ptr<rag::Embedder> embedder,
                const std::vector<NamedStore>& stores, EngineBackendConfig config);
  // Stops the engine (running requests end "cancelled", their on_finish is
  // called) before anything it borrows goes.
  ~EngineBackend() override;

  std::vector<ModelInfo> list_models() override;
  std::vector<std::string> list_stores() override;
  PromptCheck check_prompt(const GenerationJob& job) override;
  std::unique_ptr<JobHandle> start(const GenerationJob& job, JobCallbacks callbacks) override;
  EmbeddingResult embed(const std::string& model, const std::vector<std::string>& inputs) override;
  std::vector<Source> retrieve(const std::string& store, const std::string& query, int top_k) override;
  void load_adapter(const std::string& name, const std::string& path) override;
  void unload_adapter(const std::string& name) override;
  LoadInfo load() override;

  // Tokens per slot the engine was given (--ctx-size, or the model's context).
  int64_t context_length() const { return context_length_; }

 private:
  struct Store {
    rag::DocumentStore store;
    std::unique_ptr<rag::answer::Answerer> answerer;  // fits passages to the context as `lorag ask`
  };
  std::string engine_adapter(const std::string& model) const;
  std::vector<int64_t> encode(const GenerationJob& job) const;

  infer::ModelSession session_;
  std::unique_ptr<rag::Embedder> embedder_;
  EngineBackendConfig config_;
  int64_t context_length_ = 0;
  int64_t created_ = 0;  // Unix seconds the model was loaded
  std::map<std::string, Store> stores_;
  mutable std::mutex adapters_mutex_;
  std::map<std::string, int64_t> adapters_;  // loaded adapter -> Unix seconds it was loaded
  std::atomic<int> in_engine_{0};            // submitted choices not yet finished
  // Declared last: destroyed first, engine before watcher, so every result has
  // resolved when the watcher drains.
  FinishWatcher watcher_;
  std::unique_ptr<infer::Engine> engine_;
};

}  // namespace lorag::serve::engine
