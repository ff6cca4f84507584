// SPDX-License-Identifier: Apache-2.0
// LLM-as-judge grading (eval/, torch-free): the rubric prompt for a judge
// model and the parser of its reply. The command runs the model; judge scores
// are reported beside the automatic metrics, never instead of them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/text/chat_template.h"

namespace lorag::eval {

struct JudgeGrade {
  int score = 0;       // 1 (wrong) .. 5 (fully correct and complete)
  std::string reason;  // the judge's one-line reason; may be empty
};

// The rubric, as shown to the judge (scores 1-5 with their meaning).
std::string judge_rubric();

// A system message (the rubric and the reply format) and a user message holding
// the question, the reference answer and the answer to grade, for
// PromptFormatter::encode_chat. The judge is asked to reply exactly
// "Score: <1-5>\nReason: <one sentence>".
std::vector<model::text::ChatMessage> judge_messages(std::string_view question, std::string_view reference,
                                              std::string_view answer);

// Reads a grade from the judge's reply. Accepts, in this order: a JSON object
// with "score" (and "reason"); "score" followed by an integer, e.g. "Score: 4",
// "**Score:** 4/5", "score = 4"; a reply that starts with the integer. The reason
// is the text after "reason:" up to the end of the reply, else the text after
// the score, trimmed. std::nullopt when no score in 1..5 is found (the caller
// records the raw reply and leaves that answer ungraded).
std::optional<JudgeGrade> parse_judge_reply(std::string_view reply);

}  // namespace lorag::eval
