// SPDX-License-Identifier: Apache-2.0
// The scripted backend of the server tests.
#include "tests/serve/fake_backend.h"

#include <chrono>
#include <cmath>
#include <sstream>

namespace lorag::serve::test {
namespace {

constexpr const char* kBase = "tiny-base";
constexpr const char* kEmbedder = "fake-embed";

std::string token_text(const std::string& model, int index, int k, bool grounded) {
  if (k == 0) return model + "#" + std::to_string(index) + (grounded ? "[1]" : "");
  return " w" + std::to_string(k);
}

class FakeHandle : public JobHandle {
 public:
  explicit FakeHandle(std::shared_ptr<std::atomic<bool>> flag) : flag_(std::move(flag)) {}
  void cancel() override { *flag_ = true; }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

const std::vector<std::pair<std::string, std::string>> kDocs = {
    {"hr/leave.md", "annual leave is 25 days per year"},
    {"hr/sick.md", "sick leave needs a note after 3 days"},
    {"it/vpn.md", "the vpn needs two factor login"},
};

}  // namespace

std::string fake_text(const std::string& model, int index, int tokens, bool grounded) {
  std::string out;
  for (int k = 0; k < tokens; ++k) out += token_text(model, index, k, grounded);
  return out;
}

FakeBackend::FakeBackend() { adapters_["math"] = "/adapters/math"; }

FakeBackend::~FakeBackend() {
  hold = false;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

std::vector<ModelInfo> FakeBackend::list_models() {
  std::lock_guard lock(mutex_);
  std::vector<ModelInfo> out = {{kBase, "base", "", 1700000000}};
  for (const auto& [name, path] : adapters_) out.push_back({name, "adapter", kBase, 1700000001});
  out.push_back({kEmbedder, "embedding", "", 1700000002});
  return out;
}

std::vector<std::string> FakeBackend::list_stores() { return {"kb", "secret"}; }

int FakeBackend::words(const std::string& text) {
  std::istringstream in(text);
  std::string w;
  int n = 0;
  while (in >> w) ++n;
  return n;
}

PromptCheck FakeBackend::check_prompt(const GenerationJob& job) {
  int tokens = 0;
  if (job.chat) {
    for (const auto& m : job.messages) tokens += 1 + words(m.content);  // one template token per message
  } else {
    tokens = words(job.prompt);
  }
  for (const auto& s : job.sources) tokens += words(s.text);
  return {tokens, context_length.load()};
}

std::unique_ptr<JobHandle> FakeBackend::start(const GenerationJob& job, JobCallbacks callbacks) {
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  ++jobs_started;
  ++jobs_running;
  std::lock_guard lock(mutex_);
  last_job_ = job;
  threads_.emplace_back([this, job, callbacks = std::move(callbacks), cancel] { run_job(job, callbacks, cancel); });
  return std::make_unique<FakeHandle>(cancel);
}

void FakeBackend::run_job(GenerationJob job, JobCallbacks callbacks, std::shared_ptr<std::atomic<bool>> cancel) {
  const PromptCheck pc = check_prompt(job);
  while (hold && !*cancel) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  for (int c = 0; c < job.sampling.n; ++c) {
    FinishInfo info{c, "stop", pc.prompt_tokens, 0, ""};
    const int limit = job.sampling.max_tokens < 0 ? pc.context_length - pc.prompt_tokens : job.sampling.max_tokens;
    for (int k = 0;; ++k) {
      if (*cancel) { info.finish_reason = "cancelled"; break; }
      if (k == eos_after) { info.finish_reason = "stop"; break; }
      if (k == limit) { info.finish_reason = "length"; break; }
      const std::string text = token_text(job.model, c, k, !job.sources.empty());
      bool stopped = false;
      for (const auto& s : job.sampling.stop) stopped |= text.substr(1) == s;
      if (stopped) { info.finish_reason = "stop"; break; }
      if (token_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(token_delay_ms.load()));
      ++info.completion_tokens;
      if (callbacks.on_delta(c, text) == StreamControl::kStop) {
        *cancel = true;
      }
    }
    if (info.finish_reason == "cancelled") ++jobs_cancelled;
    callbacks.on_finish(info);
  }
  --jobs_running;
}

EmbeddingResult FakeBackend::embed(const std::string& model, const std::vector<std::string>& inputs) {
  if (model != kEmbedder) throw BackendError(BackendError::Kind::kNotFound, "no embedder " + model, "model");
  EmbeddingResult r;
  for (const auto& s : inputs) {
    r.vectors.push_back(fake_embedding(s));
    r.prompt_tokens += words(s);
  }
  return r;
}

std::vector<float> FakeBackend::fake_embedding(const std::string& text) {
  std::vector<float> v(8, 0.0f);
  for (size_t i = 0; i < text.size(); ++i) v[i % 8] += static_cast<float>(static_cast<unsigned char>(text[i]));
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  return v;
}

std::vector<Source> FakeBackend::retrieve(const std::string& store, const std::string& query, int top_k) {
  if (store != "kb" && store != "secret") throw BackendError(BackendError::Kind::kNotFound, "no store " + store);
  std::vector<Source> out;
  // Documents sharing a word with the query, in table order; scores fall by 0.1.
  std::istringstream in(query);
  std::set<std::string> q;
  std::string w;
  while (in >> w) q.insert(w);
  for (const auto& [id, text] : kDocs) {
    if (static_cast<int>(out.size()) == top_k) break;
    std::istringstream d(text);
    bool hit = false;
    while (d >> w) hit |= q.count(w) > 0;
    if (hit) {
      const int n = static_cast<int>(out.size()) + 1;
      out.push_back({n, id, id.substr(id.find('/') + 1), 0.9 - 0.1 * (n - 1), text});
    }
  }
  return out;
}

void FakeBackend::load_adapter(const std::string& name, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (adapters_.count(name) || name == kBase) {
    throw BackendError(BackendError::Kind::kInvalid, "The lora adapter '" + name + "' has already been loaded.",
                       "lora_name");
  }
  if (path.find("missing") != std::string::npos) {
    throw BackendError(BackendError::Kind::kInvalid, path + ": no adapter_config.json", "lora_path");
  }
  adapters_[name] = path;
}

void FakeBackend::unload_adapter(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (!adapters_.erase(name)) {
    throw BackendError(BackendError::Kind::kNotFound, "The lora adapter '" + name + "' cannot be found.",
                       "lora_name");
  }
}

LoadInfo FakeBackend::load() { return {0, jobs_running.load(), 4}; }

GenerationJob FakeBackend::last_job() {
  std::lock_guard lock(mutex_);
  return last_job_;
}

bool FakeBackend::wait_idle(int ms) {
  for (int i = 0; i < ms && jobs_running > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return jobs_running == 0;
}

}  // namespace lorag::serve::test
