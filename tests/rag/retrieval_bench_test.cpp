// SPDX-License-Identifier: Apache-2.0
// The retrieval benchmark's queries and results (rag/retrieval_bench.h); its
// timings are only checked to be well formed, never against a speed.
#include "rag/retrieval_bench.h"

#include <gtest/gtest.h>

#include <fstream>

#include "model/core/error.h"
#include "tests/rag/fake_embedder.h"
#include "tests/test_util.h"

namespace lorag::rag {
namespace {

std::filesystem::path write(const std::string& name, const std::string& text) {
  const auto path = lorag::test::temp_dir("retrieval_bench") / name;
  std::ofstream(path) << text;
  return path;
}

TEST(RetrievalBench, IdsAreWhatRetrieveFindsForEachQuery) {
  test::FakeEmbedder e;
  auto store = DocumentStore::create(lorag::test::temp_dir("bench_store"), e, {});
  store.add({{"hr/leave", "Leave", "hr", "Employees get twenty five vacation days per year.", nlohmann::json::object()},
             {"it/vpn", "VPN", "it", "Connect to the corporate VPN before the intranet.", nlohmann::json::object()}});
  RetrieveConfig config;
  config.top_k = 2;
  const std::vector<std::string> queries = {"vacation days", "corporate VPN", "vacation days"};
  const auto bench = bench_retrieval(store, e, queries, config, 2);
  ASSERT_EQ(bench.ids.size(), queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    std::vector<int64_t> want;
    for (const auto& h : store.retrieve(queries[i], config)) want.push_back(h.chunk.id);
    EXPECT_EQ(bench.ids[i], want) << queries[i];
  }
  for (const auto& p : {bench.embed, bench.search, bench.total}) {
    EXPECT_GE(p.p50_ms, 0);
    EXPECT_LE(p.p50_ms, p.p99_ms);
  }
  EXPECT_THROW(bench_retrieval(store, e, {}, config, 0), UsageError);
  EXPECT_THROW(bench_retrieval(store, e, queries, config, -1), UsageError);
}

TEST(RetrievalBench, ReadsJsonQuestionsAndPlainLines) {
  const auto path = write("q.jsonl", "{\"question\": \"how many days?\", \"answer\": \"25\"}\n\nplain query\n");
  EXPECT_EQ(read_queries(path), (std::vector<std::string>{"how many days?", "plain query"}));
}

TEST(RetrievalBench, BadQueryLinesNameTheFileAndLine) {
  const auto path = write("bad.jsonl", "first\n{\"q\": 1}\n");
  const auto msg = lorag::test::error_of<FormatError>([&] { read_queries(path); });
  EXPECT_NE(msg.find("bad.jsonl:2"), std::string::npos) << msg;
  EXPECT_NE(lorag::test::error_of<FormatError>([&] { read_queries(write("empty.jsonl", "\n\n")); }).find("no queries"),
            std::string::npos);
  EXPECT_THROW(read_queries(path.parent_path() / "missing.jsonl"), IoError);
}

}  // namespace
}  // namespace lorag::rag
