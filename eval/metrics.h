// SPDX-License-Identifier: Apache-2.0
// Answer-quality and retrieval metrics for one answer (eval/, torch-free):
// SQuAD-style normalisation, exact match, token F1, ROUGE-L, abstention, hit@k
// and recall@k. Every function is pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lorag::eval {

// The answer normalisation of the SQuAD evaluation script and HF `evaluate`'s
// squad metric: lower-case, delete ASCII punctuation (Python's
// `string.punctuation`), replace the words "a", "an", "the" by a space, then
// collapse whitespace to single spaces. Lower-casing is ASCII only, and bytes
// >= 0x80 count as word characters (Python treats non-ASCII punctuation such as
// U+2014 as a word boundary; the difference only shows on such characters).
// Example: "The  Eiffel-Tower!" -> "eiffeltower".
std::string normalize_answer(std::string_view text);

// normalize_answer(text) split on spaces; empty for an empty normalised text.
std::vector<std::string> answer_tokens(std::string_view text);

// 1 when the normalised texts are equal, else 0 (SQuAD `compute_exact`).
double exact_match(std::string_view prediction, std::string_view reference);

// SQuAD token F1: harmonic mean of precision and recall of the bag (multiset) of
// normalised tokens. When either side has no tokens, 1 if both have none, else 0.
double token_f1(std::string_view prediction, std::string_view reference);

// ROUGE-L F-measure (beta = 1) over normalised tokens: LCS length l, precision
// l/|prediction|, recall l/|reference|, F = 2PR/(P+R), as rouge-score's
// `_score_lcs` computes it, without stemming. Tokens are the SQuAD-normalised ones
// above (rouge-score's own tokenizer keeps articles and splits at punctuation).
// 0 when either side has no tokens (rouge-score's convention).
double rouge_l(std::string_view prediction, std::string_view reference);

// The best score over several references (SQuAD takes the max over gold
// answers). Empty `references` gives std::nullopt: the metric is undefined.
std::optional<double> best_exact_match(std::string_view prediction, const std::vector<std::string>& references);
std::optional<double> best_token_f1(std::string_view prediction, const std::vector<std::string>& references);
std::optional<double> best_rouge_l(std::string_view prediction, const std::vector<std::string>& references);

// Phrases that mark an answer as declining to answer, e.g. "not enough
// information", "does not contain", "i don't know", "cannot answer" (lower-case).
std::vector<std::string> default_abstain_phrases();

// Whether `answer` abstains: it is empty or blank, or it contains one of `phrases`
// after ASCII lower-casing, mapping the typographic apostrophe U+2019 to "'", and
// collapsing whitespace (so "I don’t\nknow" matches "i don't know").
bool is_abstention(std::string_view answer, const std::vector<std::string>& phrases);

// hit@k: 1 when any of the first `k` retrieved ids (rank order; chunks, so a
// document may repeat) is a gold id, else 0. recall@k: the fraction of distinct
// gold ids among the first `k` retrieved. Both are std::nullopt when `gold` is
// empty. `k` <= 0 means every retrieved id.
std::optional<double> hit_at_k(const std::vector<std::string>& retrieved, const std::vector<std::string>& gold,
                               int64_t k);
std::optional<double> recall_at_k(const std::vector<std::string>& retrieved, const std::vector<std::string>& gold,
                                  int64_t k);

}  // namespace lorag::eval
