// SPDX-License-Identifier: Apache-2.0
#include "serve/engine/engine_backend.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "model/core/error.h"
#include "model/core/log.h"
#include "serve/engine/job_prompt.h"

namespace lorag::serve::engine {
namespace {

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The engine's finish reasons in OpenAI's words; "eos" (end of turn) is "stop".
std::string openai_reason(const std::string& engine_reason) {
  return engine_reason == "eos" ? "stop" : engine_reason;
}

infer::GenerateConfig generate_config(const SamplingParams& s, int64_t max_new_tokens,
                                      std::vector<int64_t> stop_token_ids) {
  infer::GenerateConfig g;
  g.max_new_tokens = max_new_tokens;
  g.temperature = s.temperature;
  g.top_k = s.top_k;
  g.top_p = s.top_p;
  g.min_p = s.min_p;
  g.repetition_penalty = s.repetition_penalty;
  g.frequency_penalty = s.frequency_penalty;
  g.presence_penalty = s.presence_penalty;
  g.stop = s.stop;
  g.stop_token_ids = std::move(stop_token_ids);  // the chat template's end of turn, as `lorag generate`
  return g;
}

class EngineJob : public JobHandle {
 public:
  EngineJob(infer::Engine& engine, std::vector<uint64_t> ids) : engine_(engine), ids_(std::move(ids)) {}
  void cancel() override {
    for (uint64_t id : ids_) engine_.cancel(id);  // finished ids are ignored by the engine
  }

 private:
  infer::Engine& engine_;
  std::vector<uint64_t> ids_;
};

}  // namespace

EngineBackend::EngineBackend(infer::ModelSession session, std::unique_ptr<rag::Embedder> embedder,
                             const std::vector<NamedStore>& stores, EngineBackendConfig config)
    : session_(std::move(session)), embedder_(std::move(embedder)), config_(std::move(config)),
      created_(unix_seconds()) {
  LORAG_CHECK(!session_.adapters || !session_.adapters->merged(), UsageError,
              "a merged adapter cannot be served beside the base model (drop --merge)");
  if (session_.adapters) {
    for (const std::string& name : session_.adapters->available()) {
      if (name != adapters::kBaseAdapter) adapters_[name] = created_;
    }
  }
  LORAG_CHECK(stores.empty() || embedder_, UsageError, "stores need the sentence embedder");
  for (const NamedStore& s : stores) {
    LORAG_CHECK(!stores_.count(s.name), UsageError, "--store name '", s.name, "' is given twice");
    auto store = rag::DocumentStore::open(s.dir, *embedder_);
    log::info("store ", s.name, " (", s.dir.string(), "): ", store.stats().documents, " documents, ",
              store.stats().chunks, " chunks");
    auto [it, added] = stores_.emplace(s.name, Store{std::move(store), nullptr});
    it->second.answerer = std::make_unique<rag::answer::Answerer>(session_.model.net, session_.model.tokenizer,
                                                          *session_.formatter, *session_.generator, *embedder_,
                                                          it->second.store, config_.answer);
  }
  infer::EngineConfig engine = config_.engine;
  const int64_t model_context = session_.model.config.context_length();
  if (engine.ctx_size == 0 || engine.ctx_size > model_context) engine.ctx_size = model_context;
  context_length_ = engine.ctx_size;
  engine_ = std::make_unique<infer::Engine>(session_.model.net, session_.model.tokenizer, engine,
                                            session_.adapters.get());
  engine_->start();
}

EngineBackend::~EngineBackend() {
  engine_.reset();  // resolves every result ("cancelled"); the watcher then hands them over
}

std::vector<ModelInfo> EngineBackend::list_models() {
  std::vector<ModelInfo> models{{config_.model_id, "base", "", created_}};
  {
    std::lock_guard lock(adapters_mutex_);
    for (const auto& [name, created] : adapters_) models.push_back({name, "adapter", config_.model_id, created});
  }
  if (embedder_) models.push_back({embedder_->name(), "embedding", "", created_});
  return models;
}

std::vector<std::string> EngineBackend::list_stores() {
  std::vector<std::string> names;
  for (const auto& [name, store] : stores_) names.push_back(name);
  return names;
}

std::string EngineBackend::engine_adapter(const std::string& model) const {
  if (model == config_.model_id) return adapters::kBaseAdapter;
  std::lock_guard lock(adapters_mutex_);
  if (!adapters_.count(model)) throw BackendError(BackendError::Kind::kNotFound, "no model named '" + model + "'", "model");
  return model;
}

std::vector<int64_t> EngineBackend::encode(const GenerationJob& job) const {
  return encode_job(job, *session_.formatter, *session_.model.tokenizer, config_.answer.prompt);
}

PromptCheck EngineBackend::check_prompt(const GenerationJob& job) {
  return {static_cast<int>(encode(job).size()), static_cast<int>(context_length_)};
}

std::unique_ptr<JobHandle> EngineBackend::start(const GenerationJob& job, JobCallbacks callbacks) {
  std::vector<int64_t> prompt = encode(job);
  const std::string adapter = engine_adapter(job.model);
  const int64_t room = context_length_ - static_cast<int64_t>(prompt.size());
  const int64_t max_new = job.sampling.max_tokens < 0 ? room : std::min<int64_t>(job.sampling.max_tokens, room);
  infer::GenerateConfig config = generate_config(job.sampling, std::max<int64_t>(max_new, 0),
                                                 session_.formatter->end_of_turn_ids());
  // OpenAI: no seed, a different answer each time; choice i of a seeded request uses seed + i.
  const uint64_t seed = job.sampling.seed ? static_cast<uint64_t>(*job.sampling.seed) : std::random_device{}();
  auto shared = std::make_shared<JobCallbacks>(std::move(callbacks));
  std::vector<uint64_t> ids;
  for (int i = 0; i < job.sampling.n; ++i) {
    config.seed = seed + static_cast<uint64_t>(i);
    infer::EngineRequest request{.prompt = prompt, .config = config, .adapter = adapter};
    request.on_token = [shared, i](const infer::StreamChunk& chunk) {
      if (chunk.text.empty()) return infer::StreamAction::kContinue;
      return shared->on_delta(i, chunk.text) == StreamControl::kStop ? infer::StreamAction::kStop
                                                                      : infer::StreamAction::kContinue;
    };
    infer::Submission submission;
    ++in_engine_;
    try {
      submission = engine_->submit(std::move(request));
    } catch (const Error& e) {  // the same for every choice, so only the first can fail
      --in_engine_;
      throw BackendError(BackendError::Kind::kInvalid, log::user_message(e));
    }
    ids.push_back(submission.id);
    watcher_.watch(std::move(submission.result), [this, shared, i](infer::EngineResult r) {
      --in_engine_;  // before on_finish: once the server sees the job end, /metrics shows the slot free
      shared->on_finish({.index = i, .finish_reason = openai_reason(r.finish_reason),
                         .prompt_tokens = static_cast<int>(r.prompt_tokens),
                         .completion_tokens = static_cast<int>(r.completion_tokens), .error = r.error});
    });
  }
  return std::make_unique<EngineJob>(*engine_, std::move(ids));
}

EmbeddingResult EngineBackend::embed(const std::string& model, const std::vector<std::string>& inputs) {
  if (!embedder_ || model != embedder_->name()) {
    throw BackendError(BackendError::Kind::kNotFound, "no embedding model named '" + model + "'", "model");
  }
  const std::vector<float> flat = embedder_->embed(inputs);
  const auto dim = static_cast<size_t>(embedder_->dimension());
  EmbeddingResult out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    out.vectors.emplace_back(flat.begin() + i * dim, flat.begin() + (i + 1) * dim);
    // Tokens the encoder saw: the text's, truncated to its limit, plus [CLS] and [SEP].
    const auto tokens = std::min<int64_t>(embedder_->token_spans(inputs[i]).size(), embedder_->max_tokens());
    out.prompt_tokens += static_cast<int>(tokens) + 2;
  }
  return out;
}

std::vector<Source> EngineBackend::retrieve(const std::string& store, const std::string& query, int top_k) {
  const auto it = stores_.find(store);
  if (it == stores_.end()) throw BackendError(BackendError::Kind::kNotFound, "no store named '" + store + "'", "store");
  rag::RetrieveConfig retrieve = config_.answer.retrieve;
  retrieve.top_k = top_k;
  const std::vector<rag::Hit> hits = it->second.store.search(embedder_->embed({query}), retrieve);
  // The passages `lorag ask` would give the model: the best that fit the context.
  const rag::answer::GroundedPrompt prompt = it->second.answerer->build_prompt(query, hits);
  std::vector<Source> sources;
  for (size_t i = 0; i < prompt.context.passages.size(); ++i) {
    const rag::Hit& h = prompt.context.passages[i];
    sources.push_back({static_cast<int>(i) + 1, h.chunk.doc_id, h.chunk.title, h.score, h.chunk.text});
  }
  return sources;
}

LoadInfo EngineBackend::load() {
  // Derived from the choices in the engine: it admits FIFO into free slots.
  const int busy = std::max(in_engine_.load(), 0);
  const int slots = static_cast<int>(config_.engine.parallel);
  return {std::max(busy - slots, 0), std::min(busy, slots), slots};
}

// Runtime adapters: the engine installs and drops them between its steps (thread-safe).
void EngineBackend::load_adapter(const std::string& name, const std::string& path) {
  std::lock_guard lock(adapters_mutex_);  // one load or unload at a time; requests only read the names
  if (adapters_.count(name) || name == config_.model_id || name == adapters::kBaseAdapter) {
    throw BackendError(BackendError::Kind::kInvalid, "an adapter or model named '" + name + "' is already loaded",
                       "lora_name");
  }
  try {
    engine_->load_adapter(name, std::filesystem::path(path));
  } catch (const IoError& e) {
    throw BackendError(BackendError::Kind::kNotFound, log::user_message(e), "lora_path");
  } catch (const BackendError&) {
    throw;
  } catch (const Error& e) {  // a folder that does not fit the model: nothing changed
    throw BackendError(BackendError::Kind::kInvalid, log::user_message(e), "lora_path");
  }
  adapters_[name] = unix_seconds();
  log::info("adapter ", name, " loaded from ", path);
}

void EngineBackend::unload_adapter(const std::string& name) {
  std::lock_guard lock(adapters_mutex_);
  if (!adapters_.count(name)) {
    throw BackendError(BackendError::Kind::kNotFound, "no adapter named '" + name + "' is loaded", "lora_name");
  }
  try {
    engine_->unload_adapter(name);
  } catch (const BackendError&) {
    throw;
  } catch (const Error& e) {
    throw BackendError(BackendError::Kind::kInvalid, log::user_message(e), "lora_name");
  }
  adapters_.erase(name);  // running requests on it finish first (the engine drops it after them)
  log::info("adapter ", name, " unloaded");
}

}  // namespace lorag::serve::engine
