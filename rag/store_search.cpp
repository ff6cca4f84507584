// SPDX-License-Identifier: Apache-2.0
// DocumentStore retrieval: top-k by inner product, threshold, filters, MMR (rag/).
#include <algorithm>
#include <numeric>

#include "model/core/error.h"
#include "rag/store_state.h"

namespace lorag::rag {
namespace {

struct Candidate {
  std::size_t row;
  float score;
};

float dot(const float* a, const float* b, int64_t d) {
  float sum = 0;
  for (int64_t i = 0; i < d; ++i) sum += a[i] * b[i];
  return sum;
}

bool passes(const Chunk& chunk, const RetrieveConfig& config) {
  return std::all_of(config.filters.begin(), config.filters.end(),
                     [&](const MetadataFilter& f) { return f.matches(chunk); });
}

// The best `k` rows by exact inner product among those passing the filters.
std::vector<Candidate> exact_search(const DocumentStore::State& s, const float* query, std::size_t k,
                                    const RetrieveConfig& config) {
  std::vector<Candidate> all;
  for (std::size_t row = 0; row < s.table.chunks.size(); ++row) {
    if (!passes(s.table.chunks[row], config)) continue;
    all.push_back({row, dot(query, s.vector(row), s.dimension())});
  }
  const std::size_t take = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + take, all.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.row < b.row;
  });
  all.resize(take);
  return all;
}

std::vector<Candidate> index_search(const DocumentStore::State& s, const float* query, std::size_t k) {
  k = std::min<std::size_t>(k, static_cast<std::size_t>(s.index->ntotal));
  std::vector<float> distances(k);
  std::vector<faiss::Index::idx_t> labels(k);
  detail::search_index(*s.index, query, static_cast<int64_t>(k), distances.data(), labels.data());
  std::vector<Candidate> out;
  for (const int64_t label : labels) {
    if (label < 0) continue;
    const auto it = s.row_of_id.find(label);
    LORAG_ASSERT(it != s.row_of_id.end(), "index returned unknown id ", label);
    // Exact cosine from the stored vector: PQ codes only approximate it, and
    // users compare scores (and --min-score) across index types.
    out.push_back({it->second, dot(query, s.vector(it->second), s.dimension())});
  }
  std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  return out;
}

// Maximal marginal relevance over `candidates` (best first), as LangChain's
// maximal_marginal_relevance: cosine similarities of normalised vectors.
std::vector<Candidate> mmr(const DocumentStore::State& s, const float* query, std::vector<Candidate> candidates,
                           std::size_t k, float lambda) {
  std::vector<Candidate> picked;
  std::vector<float> max_sim(candidates.size(), -std::numeric_limits<float>::infinity());
  std::vector<bool> used(candidates.size(), false);
  while (picked.size() < k && picked.size() < candidates.size()) {
    std::size_t best = candidates.size();
    float best_value = -std::numeric_limits<float>::infinity();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (used[i]) continue;
      // Exact similarity to the query (the index's score may be approximate).
      const float relevance = dot(query, s.vector(candidates[i].row), s.dimension());
      const float redundancy = picked.empty() ? 0.0f : max_sim[i];
      const float value = lambda * relevance - (1 - lambda) * redundancy;
      if (best == candidates.size() || value > best_value) {
        best = i;
        best_value = value;
      }
    }
    used[best] = true;
    picked.push_back(candidates[best]);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (!used[i]) {
        max_sim[i] = std::max(max_sim[i], dot(s.vector(candidates[i].row), s.vector(candidates[best].row), s.dimension()));
      }
    }
  }
  return picked;
}

}  // namespace

std::vector<Hit> DocumentStore::search(const std::vector<float>& query, const RetrieveConfig& config) const {
  config.validate();
  const State& s = *state_;
  LORAG_CHECK(static_cast<int64_t>(query.size()) == s.dimension(), ShapeError, "query vector has ", query.size(),
              " floats, the store's dimension is ", s.dimension());
  if (s.table.chunks.empty()) return {};
  const auto top_k = static_cast<std::size_t>(config.top_k);
  const std::size_t want = config.mmr_lambda ? std::max(top_k, static_cast<std::size_t>(config.fetch_k)) : top_k;
  // Filters are applied exactly over the stored vectors, so a filtered search
  // never comes back short because the index's top hits were filtered out.
  std::vector<Candidate> candidates = (s.index && config.filters.empty())
                                          ? index_search(s, query.data(), want)
                                          : exact_search(s, query.data(), want, config);
  candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                  [&](const Candidate& c) { return c.score < config.min_score; }),
                   candidates.end());
  if (config.mmr_lambda) candidates = mmr(s, query.data(), std::move(candidates), top_k, *config.mmr_lambda);
  if (candidates.size() > top_k) candidates.resize(top_k);
  std::vector<Hit> hits;
  hits.reserve(candidates.size());
  for (const auto& c : candidates) hits.push_back({s.table.chunks[c.row], c.score});
  return hits;
}

std::vector<Hit> DocumentStore::retrieve(const std::string& query, const RetrieveConfig& config) const {
  config.validate();
  LORAG_CHECK(state_->embedder, UsageError, state_->dir.string(), ": store opened without its embedder; cannot embed the query");
  const std::vector<float> vector = state_->embedder->embed({query});
  return search(vector, config);
}

}  // namespace lorag::rag
