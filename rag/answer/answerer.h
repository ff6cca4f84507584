// SPDX-License-Identifier: Apache-2.0
// Answerer (rag/answer/): grounded question answering end to end — embed the
// question, retrieve from a DocumentStore, fit the passages into the model's
// context, generate with any loaded model (with or without LoRA adapters), and
// report the answer with the sources it was given. `lorag ask` and
// `lorag compare` (base+RAG, hybrid) both run on it.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "infer/generate_config.h"
#include "infer/generator.h"
#include "infer/prompt_formatter.h"
#include "model/causal_lm.h"
#include "rag/chunk.h"
#include "rag/context_fit.h"
#include "rag/document_store.h"
#include "rag/embedder.h"
#include "rag/grounded_prompt.h"
#include "rag/retrieve_config.h"

namespace lorag::rag::answer {

struct AnswerConfig {
  RetrieveConfig retrieve = default_retrieve();  // top_k 4, no score threshold, no filters
  GroundedPromptConfig prompt;                   // instructions (system) and passage headers
  // Context fitting: whole passages only by default (see ContextFitConfig).
  bool cut_passage = false;
  int64_t min_cut_tokens = 32;  // e.g. 32
  // Greedy by default (temperature 0): the answer should follow the passages,
  // and the same question over the same store gives the same answer.
  infer::GenerateConfig generate;

  static RetrieveConfig default_retrieve();
  // Throws ConfigError naming the field.
  void validate() const;
};

struct Answer {
  std::string question;
  std::string text;           // the generated answer (citations as [n])
  std::string finish_reason;  // "eos", "stop" or "length"
  std::vector<Hit> sources;   // passages given to the model, best first: [n] is sources[n-1]
  int64_t retrieved = 0;      // hits the store returned (after min_score and filters)
  int64_t dropped = 0;        // lowest-ranked hits left out to fit the context
  bool cut = false;           // whether the last source was cut short to fit
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double embed_seconds = 0;     // question embedding
  double retrieve_seconds = 0;  // index search
  double generate_seconds = 0;  // prefill + decode
  double total_seconds = 0;     // all of the above and the prompt building

  // {"question","answer","finish_reason","sources":[{"n","doc_id","title","source","chunk_index","score"}],
  //  "retrieved","dropped","cut","prompt_tokens","generated_tokens","latency":{...}}
  nlohmann::json to_json() const;
};

// [{"n","doc_id","title","source","chunk_index","score"}] for `sources`, numbered from 1.
nlohmann::json sources_to_json(const std::vector<Hit>& sources);

// What retrieval found for a question, best first, and what it took.
struct Retrieval {
  std::vector<Hit> hits;
  double embed_seconds = 0;
  double retrieve_seconds = 0;
};

// A grounded prompt ready for the generator.
struct GroundedPrompt {
  std::vector<int64_t> ids;  // token ids (through the chat template when the model has one)
  FittedContext context;     // the passages it holds and what was dropped
};

class Answerer {
 public:
  // Borrows everything: the caller keeps the model pieces, embedder and store
  // alive and unchanged while the Answerer is used. The context length comes
  // from net->config().context_length(). Not thread-safe (the Generator is not).
  // Throws ConfigError for a bad config.
  Answerer(model::CausalLM net, std::shared_ptr<const model::text::Tokenizer> tokenizer, const infer::PromptFormatter& formatter,
           infer::Generator& generator, const Embedder& embedder, const DocumentStore& store, AnswerConfig config);

  // Retrieves, fits and generates. `on_text` streams the answer as it is
  // generated (see infer::TextCallback). Throws UsageError for an empty
  // question or one too long for the context even without passages.
  Answer answer(const std::string& question, const infer::TextCallback& on_text = {});

  // Embeds the question and searches the store (top_k, min_score, filters, MMR).
  // `compare` retrieves once and answers with several models from the same hits.
  Retrieval retrieve(const std::string& question) const;

  // Fits and generates from given hits (best first), skipping retrieval.
  Answer answer_from_hits(const std::string& question, const std::vector<Hit>& hits,
                          const infer::TextCallback& on_text = {});

  // The prompt answer() would send for `hits`: fitted to the context, through
  // the chat template (system + user message) or, without one, as plain text.
  // Warns on stderr how many passages were dropped (or cut) to fit.
  GroundedPrompt build_prompt(const std::string& question, const std::vector<Hit>& hits) const;

  const AnswerConfig& config() const { return config_; }
  int64_t context_length() const { return context_length_; }

 private:
  std::vector<int64_t> encode(const std::string& question, const std::vector<Hit>& passages) const;

  std::shared_ptr<const model::text::Tokenizer> tokenizer_;
  const infer::PromptFormatter& formatter_;
  infer::Generator& generator_;
  const Embedder& embedder_;
  const DocumentStore& store_;
  AnswerConfig config_;
  int64_t context_length_ = 0;
};

}  // namespace lorag::rag::answer
