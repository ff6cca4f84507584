// SPDX-License-Identifier: Apache-2.0
// `lorag bench retrieve`: per-query latency of a document store (embedding the
// question, then the FAISS search with exact rescoring) as p50/p99, one query at
// a time as `lorag ask` runs them; optionally the ids found, for recall.
#include <algorithm>
#include <cmath>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/rag_options.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "rag/document_store.h"

namespace lorag::cli {
namespace {

// Queries from FILE: JSONL with a "question" (as `lorag compare` reads) or plain lines.
std::vector<std::string> read_queries(const std::string& path) {
  std::ifstream in(path);
  LORAG_CHECK(in, IoError, path, ": cannot open the queries file");
  std::vector<std::string> queries;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line[0] == '{') {
      const auto obj = nlohmann::json::parse(line, nullptr, false);
      LORAG_CHECK(obj.is_object() && obj.contains("question") && obj["question"].is_string(), FormatError, path, ":",
                  n, ": expected a JSON object with a \"question\" string");
      queries.push_back(obj["question"].get<std::string>());
    } else {
      queries.push_back(line);
    }
  }
  LORAG_CHECK(!queries.empty(), FormatError, path, ": no queries");
  return queries;
}

// The q-quantile (0..1) of `ms`, nearest rank.
double quantile(std::vector<double> ms, double q) {
  std::sort(ms.begin(), ms.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size())));
  return ms[std::min(ms.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int run_bench_retrieve(const Args& args) {
  std::string store_dir;
  std::string queries_path;
  std::string ids_out;
  int64_t warmup = 5;
  EmbedderOptions embedder_opts;
  RetrieveOptions retrieve;
  retrieve.config.top_k = 10;
  po::options_description b("Benchmark");
  b.add_options()
      ("queries", po::value(&queries_path)->required(), "JSONL with \"question\", or one query per line")
      ("warmup", po::value(&warmup)->default_value(warmup), "untimed queries first")
      ("ids-out", po::value(&ids_out), "write {\"query\", \"ids\"} per query as JSONL (recall against another index)");
  po::options_description all;
  all.add(store_options(store_dir)).add(embedder_options(embedder_opts)).add(retrieve_options(retrieve)).add(b);
  po::variables_map vm;
  if (!parse_options(args, all, {}, vm)) {
    print_usage("bench retrieve", "Measures query latency of a store: embedding and search, p50/p99 in ms. "
                                  "Compare with faiss + sentence-transformers: bench/bench_rag.py.", all);
    return 0;
  }
  finish_retrieve_options(retrieve);
  LORAG_CHECK(warmup >= 0, UsageError, "--warmup must be >= 0");
  const auto queries = read_queries(queries_path);
  const auto embedder = load_embedder(embedder_opts);
  const auto store = rag::DocumentStore::open(store_dir, *embedder);

  for (int64_t i = 0; i < warmup; ++i) store.retrieve(queries[i % queries.size()], retrieve.config);
  std::vector<double> embed_ms, search_ms, total_ms;
  nlohmann::json found = nlohmann::json::array();
  for (const auto& q : queries) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto vector = embedder->embed({q});
    const double embedded = ms_since(t0);
    const auto hits = store.search(vector, retrieve.config);
    const double total = ms_since(t0);
    embed_ms.push_back(embedded);
    search_ms.push_back(total - embedded);
    total_ms.push_back(total);
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& h : hits) ids.push_back(h.chunk.id);
    found.push_back({{"query", q}, {"ids", ids}});
  }
  if (!ids_out.empty()) {
    std::ofstream out(ids_out);
    for (const auto& row : found) out << row.dump() << "\n";
    LORAG_CHECK(out.good(), IoError, ids_out, ": cannot write");
  }
  const auto stats = store.stats();
  std::cout << "| chunks | index | queries | top-k | embed p50 ms | embed p99 ms | search p50 ms | search p99 ms | "
               "total p50 ms | total p99 ms |\n"
            << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
            << "| " << stats.chunks << " | " << stats.index_factory << " | " << queries.size() << " | "
            << retrieve.config.top_k << " | " << quantile(embed_ms, 0.5) << " | " << quantile(embed_ms, 0.99) << " | "
            << quantile(search_ms, 0.5) << " | " << quantile(search_ms, 0.99) << " | " << quantile(total_ms, 0.5)
            << " | " << quantile(total_ms, 0.99) << " |\n";
  return 0;
}

}  // namespace lorag::cli
