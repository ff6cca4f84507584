// SPDX-License-Identifier: Apache-2.0
#include "serve/engine/job_prompt.h"

namespace lorag::serve::engine {
namespace {

std::vector<model::text::ChatMessage> chat_messages(const std::vector<ChatMessage>& messages) {
  std::vector<model::text::ChatMessage> out;
  out.reserve(messages.size());
  for (const ChatMessage& m : messages) out.push_back({m.role, m.content});
  return out;
}

// Index of the last user message, or messages.size() when there is none.
size_t last_user(const std::vector<ChatMessage>& messages) {
  for (size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role == "user") return i;
  }
  return messages.size();
}

}  // namespace

std::string grounding_question(const GenerationJob& job) {
  if (!job.chat) return job.prompt;
  const size_t i = last_user(job.messages);
  if (i < job.messages.size()) return job.messages[i].content;
  return job.messages.empty() ? "" : job.messages.back().content;  // as the server's retrieval query
}

std::vector<rag::Hit> hits_of(const std::vector<Source>& sources) {
  std::vector<rag::Hit> hits;
  hits.reserve(sources.size());
  for (const Source& s : sources) {
    rag::Hit h;
    h.chunk.doc_id = s.doc_id;
    h.chunk.title = s.title;
    h.chunk.text = s.text;
    h.score = static_cast<float>(s.score);
    hits.push_back(std::move(h));
  }
  return hits;
}

std::vector<int64_t> encode_job(const GenerationJob& job, const infer::PromptFormatter& formatter,
                                const model::text::Tokenizer& tokenizer, const rag::GroundedPromptConfig& grounding) {
  if (job.sources.empty()) {
    if (job.chat) return formatter.encode_chat(chat_messages(job.messages));
    return tokenizer.encode(job.prompt, /*add_special=*/true);
  }
  rag::GroundedPromptConfig config = grounding;
  const size_t question_at = job.chat ? last_user(job.messages) : 0;
  std::vector<model::text::ChatMessage> history;  // turns before the question, as the client sent them
  for (size_t i = 0; job.chat && i < question_at && i < job.messages.size(); ++i) {
    const ChatMessage& m = job.messages[i];
    if (m.role == "system") {
      config.system = m.content;  // the client's instructions win, as `lorag ask --system`
    } else {
      history.push_back({m.role, m.content});
    }
  }
  const std::string question = grounding_question(job);
  const std::vector<rag::Hit> hits = hits_of(job.sources);
  if (!formatter.uses_template()) {
    // As rag::Answerer for a model without a chat template: one plain text, bos as the tokenizer says.
    return tokenizer.encode(rag::grounded_plain_prompt(question, hits, config), /*add_special=*/true);
  }
  std::vector<model::text::ChatMessage> messages = rag::grounded_messages(question, hits, config);
  messages.insert(messages.begin() + 1, history.begin(), history.end());
  return formatter.encode_chat(messages);
}

}  // namespace lorag::serve::engine
