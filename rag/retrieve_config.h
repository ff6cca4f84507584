// SPDX-License-Identifier: Apache-2.0
// Retrieval knobs (rag/): top-k, score threshold, MMR and metadata filters.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "rag/chunk.h"

namespace lorag::rag {

// Keeps chunks whose field `key` equals `value`, or, when the field is an array
// (e.g. "tags"), contains it. `key` is a metadata field or one of "doc_id",
// "title", "source". Numbers and booleans compare by their JSON text ("3",
// "true"). A chunk without the field never matches.
struct MetadataFilter {
  std::string key;    // e.g. "tags"
  std::string value;  // e.g. "hr"

  // Parses "key=value" (the value may contain '='); throws UsageError naming
  // the text when there is no '=' or the key is empty.
  static MetadataFilter parse(const std::string& text);
  bool matches(const Chunk& chunk) const;
};

struct RetrieveConfig {
  int64_t top_k = 5;  // hits returned at most, e.g. 5
  // Hits scoring below this (cosine) are dropped, e.g. 0.3; -inf keeps all.
  float min_score = -std::numeric_limits<float>::infinity();
  // Maximal marginal relevance (Carbonell & Goldstein 1998, as LangChain's
  // max_marginal_relevance_search): when set, `top_k` hits are picked from the
  // `fetch_k` best by lambda * sim(query, d) - (1 - lambda) * max sim(d, picked);
  // 1 = pure relevance, 0 = pure diversity. e.g. 0.5.
  std::optional<float> mmr_lambda;
  int64_t fetch_k = 20;  // MMR candidates, e.g. 20 (at least top_k is used)
  std::vector<MetadataFilter> filters;  // all must match

  // Throws ConfigError naming the field: top_k < 1, mmr_lambda outside [0, 1], fetch_k < 1.
  void validate() const;
};

}  // namespace lorag::rag
