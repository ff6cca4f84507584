// SPDX-License-Identifier: Apache-2.0
// A deterministic synthetic comparison (4 systems, 16 questions) for the report
// tests and the headless-browser render test.
#pragma once

#include <string>
#include <vector>

#include "eval/comparison.h"

namespace lorag::eval::testing {

inline std::vector<Question> sample_questions() {
  std::vector<Question> qs;
  for (int i = 0; i < 16; ++i) {
    Question q;
    q.id = "q" + std::to_string(i + 1);
    q.question = "What is fact number " + std::to_string(i + 1) + "?";
    if (i % 4 != 3) q.answers = {"fact " + std::to_string(i + 1) + " is blue"};  // every 4th unanswerable
    if (i % 2 == 0) q.doc_ids = {"doc" + std::to_string(i)};
    qs.push_back(q);
  }
  qs[0].question = "Does <script>alert(1)</script> run & \"quote\" 'this'?";
  return qs;
}

// base: mostly wrong; rag: mostly right and abstains on unanswerables;
// finetuned: right on half; hybrid: like rag with a better retriever.
inline std::vector<SystemAnswer> sample_answers(const std::vector<Question>& qs) {
  std::vector<SystemAnswer> out;
  const std::vector<std::string> systems{"base", "rag", "finetuned", "hybrid"};
  for (std::size_t q = 0; q < qs.size(); ++q) {
    const std::string right = qs[q].answerable() ? qs[q].answers[0] : "";
    for (std::size_t s = 0; s < systems.size(); ++s) {
      SystemAnswer a;
      a.system = systems[s];
      a.question = q;
      const bool correct = s == 0 ? q % 5 == 0 : s == 2 ? q % 2 == 0 : q % 7 != 6;
      if (!qs[q].answerable()) {
        a.answer = s == 1 || s == 3 ? "The context does not contain that information." : "It is green.";
      } else {
        a.answer = correct ? right : "something else entirely";
      }
      if (q == 0 && s == 0) a.answer = "<script>alert('x')</script> & more";
      a.uses_retrieval = s == 1 || s == 3;
      if (a.uses_retrieval) {
        a.sources = {{"doc" + std::to_string(s == 3 ? q : q + 1), 0.81}, {"doc" + std::to_string(q + 2), 0.52}};
      }
      a.latency_s = 0.5 + 0.1 * s + 0.01 * q;
      a.tokens_generated = 20 + static_cast<int64_t>(q);
      if (qs[q].answerable()) a.judge = JudgeGrade{a.answer == right ? 5 : 1 + static_cast<int>(s), "graded <ok>"};
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace lorag::eval::testing
