// SPDX-License-Identifier: Apache-2.0
// Judge prompt and reply parsing (eval/).
#include "eval/judge.h"

#include <cctype>
#include <nlohmann/json.hpp>

namespace lorag::eval {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n*:-");
  if (begin == std::string_view::npos) return "";
  const auto end = s.find_last_not_of(" \t\r\n*");
  return std::string(s.substr(begin, end - begin + 1));
}

// The grade in the first {...} of `reply` that parses and has an integer "score".
std::optional<JudgeGrade> from_json(std::string_view reply) {
  const auto open = reply.find('{');
  const auto close = reply.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  const auto obj = nlohmann::json::parse(reply.substr(open, close - open + 1), nullptr, false);
  if (!obj.is_object() || !obj.contains("score")) return std::nullopt;
  const auto& s = obj["score"];
  JudgeGrade g;
  if (s.is_number_integer()) {
    g.score = s.get<int>();
  } else if (s.is_string() && s.get<std::string>().size() == 1 && std::isdigit(s.get<std::string>()[0])) {
    g.score = s.get<std::string>()[0] - '0';
  } else {
    return std::nullopt;
  }
  if (obj.contains("reason") && obj["reason"].is_string()) g.reason = obj["reason"].get<std::string>();
  return g;
}

// Reads an integer at `pos`, skipping separators ("**", ":", "=", spaces) first.
// Returns the position after it, or npos when none follows.
std::size_t read_int_after(std::string_view s, std::size_t pos, int* value) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == ':' || s[pos] == '=' || s[pos] == '*' || s[pos] == '\t')) ++pos;
  if (pos >= s.size() || !std::isdigit(static_cast<unsigned char>(s[pos]))) return std::string_view::npos;
  int v = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) && v < 1000) v = v * 10 + (s[pos++] - '0');
  *value = v;
  return pos;
}

// The reason: after a "reason" label that follows the score, else the text after
// the score, else after a "reason" label before the score (up to the score).
std::string reason_after(std::string_view reply, std::string_view lowered, std::size_t score_begin,
                         std::size_t score_end) {
  auto skip_label = [](std::size_t r) {
    return r + (std::string_view("reason").size());
  };
  if (auto r = lowered.find("reason", score_end); r != std::string_view::npos) {
    std::size_t from = skip_label(r);
    if (lowered.substr(from).starts_with("ing")) from += 3;
    return trim(reply.substr(from));
  }
  std::string_view rest = reply.substr(score_end);
  if (rest.starts_with("/5")) rest.remove_prefix(2);
  std::string after = trim(rest);
  if (!after.empty()) return after;
  if (auto r = lowered.rfind("reason", score_begin); r != std::string_view::npos) {
    std::size_t from = skip_label(r);
    if (lowered.substr(from).starts_with("ing")) from += 3;
    return trim(reply.substr(from, score_begin - from));
  }
  return "";
}

}  // namespace

std::string judge_rubric() {
  return "5 = correct and complete: says everything the reference answer says, nothing contradicts it.\n"
         "4 = correct, with a minor omission or harmless extra detail.\n"
         "3 = partly correct: some key facts right, some missing or wrong.\n"
         "2 = mostly wrong, with a small correct element.\n"
         "1 = wrong, irrelevant, or declines to answer although the reference gives an answer.";
}

std::vector<model::text::ChatMessage> judge_messages(std::string_view question, std::string_view reference,
                                              std::string_view answer) {
  std::string system =
      "You grade answers to questions against a reference answer. Judge only whether the answer "
      "agrees with the reference in meaning; ignore style, length and wording.\n\nRubric:\n" +
      judge_rubric() + "\n\nReply with exactly two lines:\nScore: <1-5>\nReason: <one sentence>";
  std::string user = "Question: " + std::string(question) + "\n\nReference answer: " + std::string(reference) +
                     "\n\nAnswer to grade: " + std::string(answer);
  return {{"system", std::move(system)}, {"user", std::move(user)}};
}

std::optional<JudgeGrade> parse_judge_reply(std::string_view reply) {
  auto in_range = [](const std::optional<JudgeGrade>& g) { return g && g->score >= 1 && g->score <= 5; };
  if (auto g = from_json(reply)) return in_range(g) ? g : std::nullopt;
  const std::string lowered = lower_ascii(reply);
  for (auto at = lowered.find("score"); at != std::string::npos; at = lowered.find("score", at + 5)) {
    int value = 0;
    const auto end = read_int_after(lowered, at + 5, &value);
    if (end == std::string::npos) continue;
    std::optional<JudgeGrade> g = JudgeGrade{value, reason_after(reply, lowered, at, end)};
    return in_range(g) ? g : std::nullopt;
  }
  const auto first = lowered.find_first_not_of(" \t\r\n*");
  int value = 0;
  if (first == std::string::npos) return std::nullopt;
  const auto end = read_int_after(lowered, first, &value);
  if (end == std::string::npos) return std::nullopt;
  std::optional<JudgeGrade> g = JudgeGrade{value, reason_after(reply, lowered, first, end)};
  return in_range(g) ? g : std::nullopt;
}

}  // namespace lorag::eval
