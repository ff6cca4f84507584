// SPDX-License-Identifier: Apache-2.0
// `lorag bench retrieve`: the flags of rag::bench_retrieval (rag/retrieval_bench.h)
// and its table; optionally the ids found, for recall.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/rag_options.h"
#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/log.h"
#include "rag/document_store.h"
#include "rag/retrieval_bench.h"

namespace lorag::cli {

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
  const auto queries = rag::read_queries(queries_path);
  const auto embedder = load_embedder(embedder_opts);
  const auto store = rag::DocumentStore::open(store_dir, *embedder);
  const auto bench = rag::bench_retrieval(store, *embedder, queries, retrieve.config, warmup);
  if (!ids_out.empty()) {
    std::string lines;
    for (size_t i = 0; i < queries.size(); ++i) {
      lines += nlohmann::json{{"query", queries[i]}, {"ids", bench.ids[i]}}.dump() + "\n";
    }
    write_file_atomically(ids_out, lines);
  }
  const auto stats = store.stats();
  std::cout << "| chunks | index | queries | top-k | embed p50 ms | embed p99 ms | search p50 ms | search p99 ms | "
               "total p50 ms | total p99 ms |\n"
            << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
            << "| " << stats.chunks << " | " << stats.index_factory << " | " << queries.size() << " | "
            << retrieve.config.top_k << " | " << bench.embed.p50_ms << " | " << bench.embed.p99_ms << " | "
            << bench.search.p50_ms << " | " << bench.search.p99_ms << " | " << bench.total.p50_ms << " | "
            << bench.total.p99_ms << " |\n";
  return 0;
}

}  // namespace lorag::cli
