// SPDX-License-Identifier: Apache-2.0
// Evaluation question files (eval/).
#include "eval/question.h"

#include <set>

#include "model/core/error.h"
#include "model/core/jsonl.h"

namespace lorag::eval {
namespace {

// A string or an array of strings as a list; null gives an empty list.
std::vector<std::string> string_list(const nlohmann::json& value, const std::string& where, const char* field) {
  std::vector<std::string> out;
  if (value.is_null()) return out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
    return out;
  }
  LORAG_CHECK(value.is_array(), FormatError, where, ": field '", field, "' is ", value.type_name(),
              ", expected a string or an array of strings");
  for (const auto& item : value) {
    LORAG_CHECK(item.is_string(), FormatError, where, ": field '", field, "' holds a ", item.type_name(),
                ", expected strings only");
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

Question parse_question(const nlohmann::json& obj, const std::string& where, std::size_t line) {
  LORAG_CHECK(obj.is_object(), FormatError, where, ": expected a JSON object, got ", obj.type_name());
  Question q;
  auto it = obj.find("question");
  LORAG_CHECK(it != obj.end(), FormatError, where, ": field 'question' is missing");
  LORAG_CHECK(it->is_string(), FormatError, where, ": field 'question' is ", it->type_name(), ", expected a string");
  q.question = it->get<std::string>();
  LORAG_CHECK(q.question.find_first_not_of(" \t\r\n\f\v") != std::string::npos, FormatError, where,
              ": field 'question' is ", q.question.empty() ? "empty" : "only whitespace");

  q.id = "q" + std::to_string(line);
  if (auto id = obj.find("id"); id != obj.end() && !id->is_null()) {
    LORAG_CHECK(id->is_string() || id->is_number_integer(), FormatError, where, ": field 'id' is ",
                id->type_name(), ", expected a string or an integer");
    q.id = id->is_string() ? id->get<std::string>() : std::to_string(id->get<int64_t>());
  }
  const bool has_answer = obj.contains("answer");
  LORAG_CHECK(!(has_answer && obj.contains("answers")), FormatError, where,
              ": both 'answer' and 'answers' are given; use one");
  const char* answer_key = has_answer ? "answer" : "answers";
  if (auto a = obj.find(answer_key); a != obj.end()) {
    for (auto& s : string_list(*a, where, answer_key)) {
      if (!s.empty()) q.answers.push_back(std::move(s));
    }
  }
  if (auto d = obj.find("doc_ids"); d != obj.end()) {
    // A bare string ("a.md, b.md") would silently become one id: ask for the list.
    LORAG_CHECK(!d->is_string(), FormatError, where, ": field 'doc_ids' is a string, expected an array of ",
                "strings (e.g. [", d->dump(), "])");
    q.doc_ids = string_list(*d, where, "doc_ids");
  }
  return q;
}

std::vector<Question> read_questions(const std::filesystem::path& path) {
  std::vector<Question> out;
  std::set<std::string> ids;
  for_each_jsonl_record(path, [&](const nlohmann::json& row, const std::string& where, std::size_t line) {
    Question q = parse_question(row, where, line);
    LORAG_CHECK(ids.insert(q.id).second, FormatError, where, ": duplicate question id '", q.id, "'");
    out.push_back(std::move(q));
  });
  LORAG_CHECK(!out.empty(), FormatError, path.string(), ": no questions (expected JSON lines with a 'question')");
  return out;
}

}  // namespace lorag::eval
