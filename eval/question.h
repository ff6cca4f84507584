// SPDX-License-Identifier: Apache-2.0
// Evaluation questions (eval/, torch-free): what `lorag compare --questions`
// reads, one JSON object per line.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lorag::eval {

struct Question {
  std::string id;                    // "id" from the file, else "q<line>", e.g. "q7"
  std::string question;              // the question text
  std::vector<std::string> answers;  // reference answers; empty = unanswerable (abstaining is right)
  std::vector<std::string> doc_ids;  // gold document ids for hit@k / recall@k; empty = none given

  bool answerable() const { return !answers.empty(); }
};

// One line's object: {"question": str, "answer"?: str | [str], "doc_ids"?: [str],
// "id"?: str | int}. "answers" is accepted for "answer"; null or an absent
// answer means unanswerable, and so does "" (SQuAD v2's empty gold). `where`
// names the place for messages, e.g. "qa.jsonl:3"; `line` gives the default id.
// Throws FormatError naming `where` and the field for a missing question or a
// field of the wrong type.
Question parse_question(const nlohmann::json& obj, const std::string& where, std::size_t line);

// Every non-blank line of a JSONL file. Throws IoError when it cannot be read,
// FormatError naming "path:line" for a line that is not a JSON object or has bad
// fields, for duplicate ids, and for a file with no questions.
std::vector<Question> read_questions(const std::filesystem::path& path);

}  // namespace lorag::eval
