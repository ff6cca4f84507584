// SPDX-License-Identifier: Apache-2.0
#include "rag/grounded_prompt.h"

namespace lorag::rag {

const char* const kGroundedSystemPrompt =
    "Answer the question using only the numbered context passages. Cite the passages you use by their "
    "numbers in square brackets, e.g. [1] or [2][3]. If the passages do not contain the answer, say that "
    "you do not have enough information to answer.";

const std::string& GroundedPromptConfig::system_or_default() const {
  static const std::string kDefault = kGroundedSystemPrompt;
  return system.empty() ? kDefault : system;
}

namespace {

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

std::string format_passage(size_t n, const Hit& hit, const GroundedPromptConfig& config) {
  std::string out = "[" + std::to_string(n) + "]";
  if (config.show_titles) {
    const auto& title = hit.chunk.title;
    const auto& doc = hit.chunk.doc_id;
    if (!title.empty() && !doc.empty() && title != doc) {
      out += " " + title + " (" + doc + ")";
    } else if (!title.empty() || !doc.empty()) {
      out += " " + (title.empty() ? doc : title);
    }
  }
  return out + "\n" + trim(hit.chunk.text);
}

std::string grounded_user_message(const std::string& question, const std::vector<Hit>& hits,
                                  const GroundedPromptConfig& config) {
  std::string out = "Context:\n\n";
  if (hits.empty()) out += "(no passages were found)\n\n";
  for (size_t i = 0; i < hits.size(); ++i) out += format_passage(i + 1, hits[i], config) + "\n\n";
  return out + "Question: " + trim(question);
}

std::vector<model::text::ChatMessage> grounded_messages(const std::string& question, const std::vector<Hit>& hits,
                                                 const GroundedPromptConfig& config) {
  return {{"system", config.system_or_default()}, {"user", grounded_user_message(question, hits, config)}};
}

std::string grounded_plain_prompt(const std::string& question, const std::vector<Hit>& hits,
                                  const GroundedPromptConfig& config) {
  return config.system_or_default() + "\n\n" + grounded_user_message(question, hits, config) + "\nAnswer:";
}

}  // namespace lorag::rag
