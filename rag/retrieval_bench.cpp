// SPDX-License-Identifier: Apache-2.0
#include "rag/retrieval_bench.h"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/jsonl.h"
#include "model/core/quantile.h"

namespace lorag::rag {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

LatencyPercentiles percentiles(const std::vector<double>& ms) { return {quantile(ms, 0.5), quantile(ms, 0.99)}; }

}  // namespace

std::vector<std::string> read_queries(const std::filesystem::path& path) {
  check_regular_file(path);
  std::ifstream in(path);
  LORAG_CHECK(in, IoError, path.string(), ": cannot open the queries file");
  std::vector<std::string> queries;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line[0] != '{') {
      queries.push_back(line);
      continue;
    }
    const std::string where = path.string() + ":" + std::to_string(n);
    const auto obj = parse_jsonl_line(line, where);
    LORAG_CHECK(obj.contains("question") && obj["question"].is_string(), FormatError, where,
                ": expected a JSON object with a \"question\" string");
    queries.push_back(obj["question"].get<std::string>());
  }
  LORAG_CHECK(!queries.empty(), FormatError, path.string(), ": no queries");
  return queries;
}

RetrievalBench bench_retrieval(const DocumentStore& store, const Embedder& embedder,
                               const std::vector<std::string>& queries, const RetrieveConfig& config, int64_t warmup) {
  LORAG_CHECK(!queries.empty(), UsageError, "no queries to benchmark");
  LORAG_CHECK(warmup >= 0, UsageError, "--warmup must be >= 0, got ", warmup);
  for (int64_t i = 0; i < warmup; ++i) store.retrieve(queries[i % queries.size()], config);
  std::vector<double> embed_ms, search_ms, total_ms;
  RetrievalBench out;
  for (const auto& q : queries) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto vector = embedder.embed({q});
    const double embedded = ms_since(t0);
    const auto hits = store.search(vector, config);
    const double total = ms_since(t0);
    embed_ms.push_back(embedded);
    search_ms.push_back(total - embedded);
    total_ms.push_back(total);
    auto& ids = out.ids.emplace_back();
    for (const auto& h : hits) ids.push_back(h.chunk.id);
  }
  out.embed = percentiles(embed_ms);
  out.search = percentiles(search_ms);
  out.total = percentiles(total_ms);
  return out;
}

}  // namespace lorag::rag
