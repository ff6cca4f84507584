// SPDX-License-Identifier: Apache-2.0
// A scripted serve::Backend for the server tests: deterministic text, token
// counts and embeddings, adjustable speed, a gate that holds jobs, and counters
// that show whether the server cancelled and freed every job.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "serve/backend.h"

namespace lorag::serve::test {

// The fake's output for choice `index` of `model`: token 0 is "<model>#<index>"
// (with "[1]" appended when grounded), token k >= 1 is " w<k>". Generation
// stops with "stop" after `eos_after` tokens, at a stop string equal to a word
// ("w3"), or with "length" at max_tokens.
std::string fake_text(const std::string& model, int index, int tokens, bool grounded = false);

class FakeBackend : public Backend {
 public:
  FakeBackend();
  ~FakeBackend() override;

  std::vector<ModelInfo> list_models() override;
  std::vector<std::string> list_stores() override;
  PromptCheck check_prompt(const GenerationJob& job) override;
  std::unique_ptr<JobHandle> start(const GenerationJob& job, JobCallbacks callbacks) override;
  EmbeddingResult embed(const std::string& model, const std::vector<std::string>& inputs) override;
  std::vector<Source> retrieve(const std::string& store, const std::string& query, int top_k) override;
  void load_adapter(const std::string& name, const std::string& path) override;
  void unload_adapter(const std::string& name) override;
  LoadInfo load() override;

  // Knobs (set before or between requests).
  std::atomic<int> eos_after{5};            // tokens before a natural stop
  std::atomic<int> token_delay_ms{0};       // sleep before each token
  std::atomic<bool> hold{false};            // jobs wait before their first token while true
  std::atomic<int> context_length{64};

  // Counters.
  std::atomic<int> jobs_started{0};
  std::atomic<int> jobs_running{0};         // threads not yet finished: 0 = no leaked slot
  std::atomic<int> jobs_cancelled{0};       // finished with "cancelled"
  GenerationJob last_job();                 // the latest job started
  // Waits until no job runs (at most `ms`); true when none runs.
  bool wait_idle(int ms);

  static int words(const std::string& text);  // whitespace-separated words: the fake's "tokens"
  static std::vector<float> fake_embedding(const std::string& text);  // unit norm, dim 8

 private:
  void run_job(GenerationJob job, JobCallbacks callbacks, std::shared_ptr<std::atomic<bool>> cancel);

  std::mutex mutex_;
  std::map<std::string, std::string> adapters_;  // name -> path
  std::vector<std::thread> threads_;
  GenerationJob last_job_;
};

}  // namespace lorag::serve::test
