// SPDX-License-Identifier: Apache-2.0
// Query latency of a document store (rag/), as `lorag bench retrieve` reports
// it: each query embedded, then searched (FAISS with exact rescoring), one at a
// time as `lorag ask` runs them; p50/p99 of each part, and the ids found.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "rag/document_store.h"
#include "rag/embedder.h"
#include "rag/retrieve_config.h"

namespace lorag::rag {

struct LatencyPercentiles {
  double p50_ms = 0;  // median, ms
  double p99_ms = 0;  // 99th percentile, ms
};

struct RetrievalBench {
  LatencyPercentiles embed, search, total;  // total = embed + search of one query
  std::vector<std::vector<int64_t>> ids;    // chunk ids found, per query in query order (for recall)
};

// Queries from a file: JSON lines with a "question" string (as `lorag compare`
// reads them) or plain text lines; blank lines are skipped. Throws IoError when
// it cannot be read, FormatError naming path:line for a bad JSON line and path
// for a file without queries.
std::vector<std::string> read_queries(const std::filesystem::path& path);

// Runs `warmup` untimed queries (cycling through `queries`), then each query once.
// Throws UsageError for an empty `queries` or a negative `warmup`.
RetrievalBench bench_retrieval(const DocumentStore& store, const Embedder& embedder,
                               const std::vector<std::string>& queries, const RetrieveConfig& config, int64_t warmup);

}  // namespace lorag::rag
