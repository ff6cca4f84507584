// SPDX-License-Identifier: Apache-2.0
// Answer-quality and retrieval metrics (eval/).
#include "eval/metrics.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace lorag::eval {
namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_ascii_punct(unsigned char c) { return c < 0x80 && std::ispunct(c); }
bool is_word(unsigned char c) { return c >= 0x80 || std::isalnum(c) || c == '_'; }
char lower(unsigned char c) { return c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c); }

bool is_article(std::string_view word) { return word == "a" || word == "an" || word == "the"; }

std::vector<std::string> split_spaces(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

double f_measure(double precision, double recall) {
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

std::size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

template <typename Fn>
std::optional<double> best_over(std::string_view prediction, const std::vector<std::string>& references, Fn fn) {
  if (references.empty()) return std::nullopt;
  double best = 0;
  for (const auto& r : references) best = std::max(best, fn(prediction, r));
  return best;
}

// Lower-cased, U+2019 -> "'", whitespace runs -> one space, trimmed.
std::string fold_for_phrases(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\xE2\x80\x99") == 0) {
      out += '\'';
      i += 2;
    } else if (is_space(text[i])) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += lower(text[i]);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string normalize_answer(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (unsigned char c : text) {
    if (!is_ascii_punct(c)) s += lower(c);
  }
  // `re.sub(r"\b(a|an|the)\b", " ", s)`: replace whole words only.
  std::string no_articles;
  no_articles.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (!is_word(s[i])) {
      no_articles += s[i++];
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && is_word(s[i])) ++i;
    std::string_view word(s.data() + start, i - start);
    if (is_article(word)) {
      no_articles += ' ';
    } else {
      no_articles += word;
    }
  }
  return join(split_spaces(no_articles));
}

std::vector<std::string> answer_tokens(std::string_view text) { return split_spaces(normalize_answer(text)); }

double exact_match(std::string_view prediction, std::string_view reference) {
  return normalize_answer(prediction) == normalize_answer(reference) ? 1.0 : 0.0;
}

double token_f1(std::string_view prediction, std::string_view reference) {
  const auto pred = answer_tokens(prediction);
  const auto gold = answer_tokens(reference);
  if (pred.empty() || gold.empty()) return pred.empty() && gold.empty() ? 1.0 : 0.0;
  std::map<std::string, int64_t> counts;
  for (const auto& t : gold) ++counts[t];
  int64_t same = 0;
  for (const auto& t : pred) {
    auto it = counts.find(t);
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  if (same == 0) return 0.0;
  return f_measure(static_cast<double>(same) / pred.size(), static_cast<double>(same) / gold.size());
}

double rouge_l(std::string_view prediction, std::string_view reference) {
  const auto pred = answer_tokens(prediction);
  const auto gold = answer_tokens(reference);
  if (pred.empty() || gold.empty()) return 0.0;
  const double lcs = static_cast<double>(lcs_length(gold, pred));
  return f_measure(lcs / pred.size(), lcs / gold.size());
}

std::optional<double> best_exact_match(std::string_view prediction, const std::vector<std::string>& references) {
  return best_over(prediction, references, exact_match);
}
std::optional<double> best_token_f1(std::string_view prediction, const std::vector<std::string>& references) {
  return best_over(prediction, references, token_f1);
}
std::optional<double> best_rouge_l(std::string_view prediction, const std::vector<std::string>& references) {
  return best_over(prediction, references, rouge_l);
}

std::vector<std::string> default_abstain_phrases() {
  return {"not enough information", "not enough context", "insufficient information",
          "does not contain",       "doesn't contain",    "do not contain",
          "does not provide",       "doesn't provide",    "does not mention",
          "doesn't mention",        "not mentioned in",   "no information",
          "i don't know",           "i do not know",      "cannot answer",
          "can't answer",           "unable to answer",   "cannot be answered",
          "cannot be determined",   "unanswerable"};
}

bool is_abstention(std::string_view answer, const std::vector<std::string>& phrases) {
  const std::string folded = fold_for_phrases(answer);
  if (folded.empty()) return true;
  for (const auto& phrase : phrases) {
    const std::string p = fold_for_phrases(phrase);
    if (!p.empty() && folded.find(p) != std::string::npos) return true;
  }
  return false;
}

namespace {
std::set<std::string> top_k_set(const std::vector<std::string>& retrieved, int64_t k) {
  const std::size_t n = k <= 0 ? retrieved.size() : std::min(retrieved.size(), static_cast<std::size_t>(k));
  return std::set<std::string>(retrieved.begin(), retrieved.begin() + static_cast<std::ptrdiff_t>(n));
}
}  // namespace

std::optional<double> hit_at_k(const std::vector<std::string>& retrieved, const std::vector<std::string>& gold,
                               int64_t k) {
  if (gold.empty()) return std::nullopt;
  const auto top = top_k_set(retrieved, k);
  for (const auto& g : gold) {
    if (top.count(g)) return 1.0;
  }
  return 0.0;
}

std::optional<double> recall_at_k(const std::vector<std::string>& retrieved, const std::vector<std::string>& gold,
                                  int64_t k) {
  if (gold.empty()) return std::nullopt;
  const auto top = top_k_set(retrieved, k);
  const std::set<std::string> wanted(gold.begin(), gold.end());
  std::size_t found = 0;
  for (const auto& g : wanted) found += top.count(g);
  return static_cast<double>(found) / wanted.size();
}

}  // namespace lorag::eval
