// SPDX-License-Identifier: Apache-2.0
// The prompt token ids of a server job (serve/engine/): a chat through the
// model's chat template, a raw completion as plain text, or a grounded answer
// built from the job's sources exactly as `lorag ask` builds it (rag/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/prompt_formatter.h"
#include "model/text/tokenizer.h"
#include "rag/chunk.h"
#include "rag/grounded_prompt.h"
#include "serve/backend.h"

namespace lorag::serve::engine {

// The question a grounded job answers, as the server retrieves for it: the last
// user message of a chat (the last message when none is the user's), else the prompt.
std::string grounding_question(const GenerationJob& job);

// Sources back as retrieval hits (doc id, title, passage text, score), in order,
// for the grounded prompt builders of rag/grounded_prompt.h.
std::vector<rag::Hit> hits_of(const std::vector<Source>& sources);

// Token ids of `job`'s prompt:
//  - chat without sources: `formatter.encode_chat(messages)` (as `lorag generate`/`chat`);
//  - completion without sources: the raw text, with bos as the tokenizer says
//    (as `lorag generate --chat-template none`);
//  - with sources: rag::Answerer's prompt (`lorag ask`): the grounded system
//    instructions (a chat's own system message replaces them, as `lorag ask
//    --system`), the chat's earlier user/assistant turns, then the numbered
//    passages and the question; plain text with "Answer:" for a model without a
//    chat template. Thread-safe (the formatter and tokenizer are immutable).
std::vector<int64_t> encode_job(const GenerationJob& job, const infer::PromptFormatter& formatter,
                                const model::text::Tokenizer& tokenizer, const rag::GroundedPromptConfig& grounding);

}  // namespace lorag::serve::engine
