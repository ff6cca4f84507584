// SPDX-License-Identifier: Apache-2.0
#include "rag/answer/answerer.h"

#include <algorithm>

#include "model/core/error.h"
#include "model/core/log.h"
#include "model/core/timer.h"

namespace lorag::rag::answer {

RetrieveConfig AnswerConfig::default_retrieve() {
  RetrieveConfig r;
  r.top_k = 4;  // as LangChain's retriever default: a few passages leave room for the answer
  return r;
}

void AnswerConfig::validate() const {
  retrieve.validate();
  generate.validate();
  LORAG_CHECK(min_cut_tokens > 0, ConfigError, "min_cut_tokens is ", min_cut_tokens, ", expected > 0");
}

nlohmann::json sources_to_json(const std::vector<Hit>& sources) {
  nlohmann::json src = nlohmann::json::array();
  for (size_t i = 0; i < sources.size(); ++i) {
    const auto& c = sources[i].chunk;
    src.push_back({{"n", i + 1}, {"doc_id", c.doc_id}, {"title", c.title}, {"source", c.source},
                   {"chunk_index", c.chunk_index}, {"score", sources[i].score}});
  }
  return src;
}

nlohmann::json Answer::to_json() const {
  return {{"question", question},
          {"answer", text},
          {"finish_reason", finish_reason},
          {"sources", sources_to_json(sources)},
          {"retrieved", retrieved},
          {"dropped", dropped},
          {"cut", cut},
          {"prompt_tokens", prompt_tokens},
          {"generated_tokens", generated_tokens},
          {"latency",
           {{"embed_s", embed_seconds},
            {"retrieve_s", retrieve_seconds},
            {"generate_s", generate_seconds},
            {"total_s", total_seconds}}}};
}

Answerer::Answerer(model::CausalLM net, std::shared_ptr<const model::text::Tokenizer> tokenizer,
                   const infer::PromptFormatter& formatter, infer::Generator& generator, const Embedder& embedder,
                   const DocumentStore& store, AnswerConfig config)
    : tokenizer_(std::move(tokenizer)),
      formatter_(formatter),
      generator_(generator),
      embedder_(embedder),
      store_(store),
      config_(std::move(config)),
      context_length_(net->config().context_length()) {
  config_.validate();
  // Stop at the end of the assistant turn as `lorag chat` does (e.g. <|im_end|>).
  for (auto id : formatter_.end_of_turn_ids()) {
    auto& stops = config_.generate.stop_token_ids;
    if (std::find(stops.begin(), stops.end(), id) == stops.end()) stops.push_back(id);
  }
}

std::vector<int64_t> Answerer::encode(const std::string& question, const std::vector<Hit>& passages) const {
  if (formatter_.uses_template()) return formatter_.encode_chat(grounded_messages(question, passages, config_.prompt));
  // No chat template (a base model): plain text ending in "Answer:", with bos as the tokenizer says.
  return tokenizer_->encode(grounded_plain_prompt(question, passages, config_.prompt), /*add_special=*/true);
}

GroundedPrompt Answerer::build_prompt(const std::string& question, const std::vector<Hit>& hits) const {
  ContextFitConfig fit;
  fit.context_length = context_length_;
  fit.max_new_tokens = config_.generate.max_new_tokens;
  fit.cut_passage = config_.cut_passage;
  fit.min_cut_tokens = config_.min_cut_tokens;
  GroundedPrompt prompt;
  // The counter encodes whole prompts, so template tokens and merges across
  // passage boundaries are counted exactly; the last encoding is kept.
  const PromptTokenCounter count = [&](const std::vector<Hit>& passages) {
    prompt.ids = encode(question, passages);
    return static_cast<int64_t>(prompt.ids.size());
  };
  prompt.context = fit_context(hits, count, fit, tokenizer_.get());
  if (static_cast<int64_t>(prompt.ids.size()) != prompt.context.prompt_tokens) {
    prompt.ids = encode(question, prompt.context.passages);  // the last measurement was a rejected trial
  }
  LORAG_ASSERT(static_cast<int64_t>(prompt.ids.size()) == prompt.context.prompt_tokens);
  if (prompt.context.dropped > 0) {
    log::warn("dropped ", prompt.context.dropped, " of ", hits.size(),
              " retrieved passages (lowest ranked) to fit the model's context of ", context_length_,
              " tokens with max_new_tokens ", config_.generate.max_new_tokens);
  }
  if (prompt.context.cut) log::warn("cut passage [", prompt.context.passages.size(), "] short to fit the context");
  return prompt;
}

Retrieval Answerer::retrieve(const std::string& question) const {
  LORAG_CHECK(question.find_first_not_of(" \t\r\n") != std::string::npos, UsageError, "the question is empty");
  Retrieval r;
  Timer step;
  const auto vector = embedder_.embed({question});
  r.embed_seconds = step.seconds();
  step.reset();
  r.hits = store_.search(vector, config_.retrieve);
  r.retrieve_seconds = step.seconds();
  return r;
}

Answer Answerer::answer(const std::string& question, const infer::TextCallback& on_text) {
  Timer total;
  const auto r = retrieve(question);
  auto a = answer_from_hits(question, r.hits, on_text);
  a.embed_seconds = r.embed_seconds;
  a.retrieve_seconds = r.retrieve_seconds;
  a.total_seconds = total.seconds();
  return a;
}

Answer Answerer::answer_from_hits(const std::string& question, const std::vector<Hit>& hits,
                                  const infer::TextCallback& on_text) {
  LORAG_CHECK(question.find_first_not_of(" \t\r\n") != std::string::npos, UsageError, "the question is empty");
  Timer total;
  auto prompt = build_prompt(question, hits);
  Timer step;
  auto results = generator_.generate({prompt.ids}, config_.generate, on_text);
  Answer a;
  a.generate_seconds = step.seconds();
  a.question = question;
  a.text = results[0].text;
  a.finish_reason = results[0].finish_reason;
  a.sources = std::move(prompt.context.passages);
  a.retrieved = static_cast<int64_t>(hits.size());
  a.dropped = prompt.context.dropped;
  a.cut = prompt.context.cut;
  a.prompt_tokens = static_cast<int64_t>(prompt.ids.size());
  a.generated_tokens = static_cast<int64_t>(results[0].token_ids.size());
  a.total_seconds = total.seconds();
  return a;
}

}  // namespace lorag::rag::answer
