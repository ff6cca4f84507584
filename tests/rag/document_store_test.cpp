// SPDX-License-Identifier: Apache-2.0
#include "rag/document_store.h"

#include <gtest/gtest.h>

#include <set>

#include "model/core/error.h"
#include "tests/rag/fake_embedder.h"
#include "tests/test_util.h"

namespace lorag::rag {
namespace {
namespace fs = std::filesystem;
using test::FakeEmbedder;

Document doc(const std::string& id, const std::string& content, nlohmann::json metadata = nlohmann::json::object()) {
  return {id, "Title of " + id, "src/" + id, content, std::move(metadata)};
}

std::vector<Document> corpus() {
  return {
      doc("hr/leave", "Employees get twenty five vacation days per year. Unused vacation days expire in March.",
          {{"tags", {"hr", "policy"}}, {"year", 2024}}),
      doc("it/vpn", "Connect to the corporate VPN with the client before opening the intranet.",
          {{"tags", {"it"}}, {"year", 2023}}),
      doc("fin/expenses", "Submit expense reports with receipts within thirty days of travel.",
          {{"tags", {"finance", "policy"}}, {"owner", "Ann"}}),
  };
}

std::set<std::string> doc_ids(const std::vector<Hit>& hits) {
  std::set<std::string> out;
  for (const auto& h : hits) out.insert(h.chunk.doc_id);
  return out;
}

using lorag::test::error_of;

TEST(DocumentStore, RoundTripsAcrossReopen) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("store") / "s";
  std::vector<Chunk> before;
  {
    auto store = DocumentStore::create(dir, e, {{8, 2}, "Flat"});
    const AddResult r = store.add(corpus());
    EXPECT_EQ(r.added, 3);
    EXPECT_GT(r.chunks, 3);  // the 8-token chunks split every document
    before = store.chunks();
    EXPECT_EQ(store.index_size(), static_cast<int64_t>(before.size()));
  }
  const auto store = DocumentStore::open(dir, e);
  const auto after = store.chunks();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].doc_id, before[i].doc_id);
    EXPECT_EQ(after[i].title, before[i].title);
    EXPECT_EQ(after[i].source, before[i].source);
    EXPECT_EQ(after[i].chunk_index, before[i].chunk_index);
    EXPECT_EQ(after[i].text, before[i].text);
    EXPECT_EQ(after[i].metadata, before[i].metadata);
  }
  // Offsets map back into the document text.
  for (const auto& c : after) {
    for (const auto& d : corpus()) {
      if (d.id == c.doc_id) EXPECT_EQ(d.content.substr(c.begin, c.end - c.begin), c.text);
    }
  }
  const auto stats = store.stats();
  EXPECT_EQ(stats.documents, 3);
  EXPECT_EQ(stats.embedder, "fake-bow");
  EXPECT_EQ(stats.dimension, 256);
  EXPECT_EQ(stats.chunking.chunk_size, 8);
  EXPECT_EQ(stats.generation, 2);  // create + one add
  const auto list = store.list();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].doc_id, "fin/expenses");
  EXPECT_EQ(list[0].metadata["owner"], "Ann");
  EXPECT_EQ(list[2].doc_id, "it/vpn");
  const auto manifest = lorag::test::read_json(dir / "manifest.json");
  EXPECT_EQ(manifest["embedder"]["name"], "fake-bow");
  EXPECT_EQ(manifest["index_factory"], "Flat");
  EXPECT_EQ(manifest["chunking"]["chunk_overlap"], 2);
}

TEST(DocumentStore, RetrievesTheMatchingDocumentWithExactScores) {
  FakeEmbedder e;
  auto store = DocumentStore::create(lorag::test::temp_dir("store"), e, {});
  store.add(corpus());
  RetrieveConfig config;
  config.top_k = 2;
  const auto hits = store.retrieve("how many vacation days do employees get", config);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].chunk.doc_id, "hr/leave");
  EXPECT_GE(hits[0].score, hits[1].score);
  const auto q = e.embed({"how many vacation days do employees get"});
  const auto v = e.embed({hits[0].chunk.text});
  float dot = 0;
  for (std::size_t i = 0; i < q.size(); ++i) dot += q[i] * v[i];
  EXPECT_NEAR(hits[0].score, dot, 1e-5);
  config.min_score = hits[0].score - 1e-4f;
  EXPECT_EQ(store.retrieve("how many vacation days do employees get", config).size(), 1u);
}

TEST(DocumentStore, UpsertReplacesChunksEverywhere) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("store");
  auto store = DocumentStore::create(dir, e, {{8, 2}, "Flat"});
  store.add(corpus());
  const auto n_before = store.chunks().size();
  const AddResult r = store.add({doc("hr/leave", "Parental leave lasts sixteen weeks.", {{"tags", {"hr"}}}),
                                 corpus()[1]});
  EXPECT_EQ(r.replaced, 1);
  EXPECT_EQ(r.unchanged, 1);
  EXPECT_EQ(r.added, 0);
  for (const auto* s : {&store}) {
    int leave_chunks = 0;
    for (const auto& c : s->chunks()) {
      EXPECT_EQ(c.text.find("vacation"), std::string::npos) << "stale chunk " << c.id;
      if (c.doc_id == "hr/leave") ++leave_chunks;
    }
    EXPECT_EQ(leave_chunks, 1);
    EXPECT_EQ(s->index_size(), static_cast<int64_t>(s->chunks().size()));
  }
  EXPECT_LT(store.chunks().size(), n_before);
  RetrieveConfig all;
  all.top_k = 100;
  for (const auto& h : store.retrieve("vacation days expire", all)) {
    EXPECT_EQ(h.chunk.text.find("vacation"), std::string::npos);
  }
  const auto reopened = DocumentStore::open(dir, e);
  EXPECT_EQ(reopened.chunks().size(), store.chunks().size());
  EXPECT_EQ(reopened.index_size(), static_cast<int64_t>(store.chunks().size()));
}

TEST(DocumentStore, DeleteRemovesFromIndexAndMetadata) {
  for (const std::string factory : {"Flat", "HNSW16"}) {
    SCOPED_TRACE(factory);
    FakeEmbedder e;
    const fs::path dir = lorag::test::temp_dir("store");
    {
      auto store = DocumentStore::create(dir, e, {{8, 2}, factory});
      store.add(corpus());
      EXPECT_GT(store.remove("hr/leave"), 1);
      EXPECT_EQ(store.index_size(), static_cast<int64_t>(store.chunks().size()));
      const std::string msg = error_of<UsageError>([&] { store.remove("hr/leave"); });
      EXPECT_NE(msg.find("no document with id 'hr/leave'"), std::string::npos) << msg;
    }
    const auto store = DocumentStore::open(dir, e);
    EXPECT_EQ(store.list().size(), 2u);
    EXPECT_EQ(store.index_size(), static_cast<int64_t>(store.chunks().size()));
    RetrieveConfig all;
    all.top_k = 100;
    const auto hits = store.retrieve("vacation days", all);
    EXPECT_EQ(hits.size(), store.chunks().size());
    EXPECT_EQ(doc_ids(hits).count("hr/leave"), 0u);
    // Only the last two generations stay on disk.
    int data_files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) data_files += entry.path().extension() == ".h5";
    EXPECT_EQ(data_files, 2);
  }
}

TEST(DocumentStore, MmrPicksDiverseChunks) {
  FakeEmbedder e;
  auto store = DocumentStore::create(lorag::test::temp_dir("store"), e, {});
  store.add({doc("a1", "solar panels convert sunlight into electricity on roofs"),
             doc("a2", "solar panels convert sunlight into electricity on rooftops"),
             doc("b", "wind turbines convert wind into electricity offshore")});
  RetrieveConfig config;
  config.top_k = 2;
  const std::string q = "solar panels convert sunlight into electricity";
  EXPECT_EQ(doc_ids(store.retrieve(q, config)), (std::set<std::string>{"a1", "a2"}));
  config.mmr_lambda = 0.5f;
  const auto hits = store.retrieve(q, config);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[1].chunk.doc_id, "b");
  config.mmr_lambda = 1.0f;  // pure relevance equals plain search
  EXPECT_EQ(doc_ids(store.retrieve(q, config)), (std::set<std::string>{"a1", "a2"}));
}

TEST(DocumentStore, FiltersOnMetadata) {
  FakeEmbedder e;
  auto store = DocumentStore::create(lorag::test::temp_dir("store"), e, {});
  store.add(corpus());
  RetrieveConfig config;
  config.top_k = 10;
  config.filters = {MetadataFilter::parse("tags=policy")};
  EXPECT_EQ(doc_ids(store.retrieve("vpn client", config)), (std::set<std::string>{"hr/leave", "fin/expenses"}));
  config.filters = {MetadataFilter::parse("tags=policy"), MetadataFilter::parse("owner=Ann")};
  EXPECT_EQ(doc_ids(store.retrieve("vpn client", config)), (std::set<std::string>{"fin/expenses"}));
  config.filters = {MetadataFilter::parse("year=2023")};
  EXPECT_EQ(doc_ids(store.retrieve("vacation", config)), (std::set<std::string>{"it/vpn"}));
  config.filters = {MetadataFilter::parse("doc_id=hr/leave")};
  EXPECT_EQ(doc_ids(store.retrieve("vpn", config)), (std::set<std::string>{"hr/leave"}));
  config.filters = {MetadataFilter::parse("tags=nope")};
  EXPECT_TRUE(store.retrieve("vpn", config).empty());
  EXPECT_NE(error_of<UsageError>([] { MetadataFilter::parse("tags"); }).find("filter 'tags' is not key=value"),
            std::string::npos);
}

TEST(DocumentStore, RefusesAnotherEmbedder) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("store");
  DocumentStore::create(dir, e, {}).add(corpus());
  FakeEmbedder other(128, 512, "other-model");
  const std::string msg = error_of<ConfigError>([&] { DocumentStore::open(dir, other); });
  EXPECT_NE(msg.find("store was built with embedder 'fake-bow' (dimension 256), not 'other-model' (dimension 128)"),
            std::string::npos)
      << msg;
  FakeEmbedder same_name(128);
  EXPECT_NE(error_of<ConfigError>([&] { DocumentStore::open(dir, same_name); }).find("(dimension 128)"),
            std::string::npos);
}

TEST(DocumentStore, ReportsMissingStore) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("store");
  for (auto mode : {DocumentStore::Mode::kRead, DocumentStore::Mode::kWrite}) {
    const std::string msg = error_of<IoError>([&] { DocumentStore::open(dir / "none", e, mode); });
    EXPECT_NE(msg.find("no document store here"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(dir / "none"));
}

TEST(DocumentStore, RefusesASecondWriter) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("store");
  {
    auto writer = DocumentStore::create(dir, e, {});
    const std::string msg = error_of<IoError>([&] { DocumentStore::open(dir, e, DocumentStore::Mode::kWrite); });
    EXPECT_NE(msg.find("another process is writing this store"), std::string::npos) << msg;
    writer.add(corpus());
    const auto reader = DocumentStore::open(dir, e);  // readers need no lock
    EXPECT_EQ(reader.list().size(), 3u);
    EXPECT_NE(error_of<UsageError>([&] { DocumentStore::open(dir, e).remove("it/vpn"); }).find("read-only"),
              std::string::npos);
  }
  auto again = DocumentStore::open(dir, e, DocumentStore::Mode::kWrite);  // released with the first writer
  EXPECT_EQ(again.remove("it/vpn"), 1);
}

TEST(DocumentStore, RejectsDuplicateIdsInOneBatchAndChangesNothing) {
  FakeEmbedder e;
  auto store = DocumentStore::create(lorag::test::temp_dir("store"), e, {});
  auto docs = corpus();
  docs.push_back(doc("it/vpn", "again"));
  const std::string msg = error_of<FormatError>([&] { store.add(docs); });
  EXPECT_NE(msg.find("document id 'it/vpn' appears twice in one batch: in src/it/vpn and in src/it/vpn"),
            std::string::npos)
      << msg;
  EXPECT_TRUE(store.chunks().empty());
  const std::string nul = error_of<FormatError>([&] { store.add({doc("bin", std::string("ab\0cd", 5))}); });
  EXPECT_NE(nul.find("src/bin: NUL byte at byte 2"), std::string::npos) << nul;
}

TEST(DocumentStore, IvfIndexSearchesExactlyUntilTrainable) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("store");
  auto store = DocumentStore::create(dir, e, {{200, 40}, "IVF4,Flat"});
  store.add({doc("x", "alpha beta gamma"), doc("y", "delta epsilon")});
  EXPECT_FALSE(store.stats().index_trained);
  EXPECT_EQ(store.retrieve("alpha", {}).front().chunk.doc_id, "x");
  std::vector<Document> more;
  for (int i = 0; i < 200; ++i) more.push_back(doc("d" + std::to_string(i), "word" + std::to_string(i) + " filler"));
  store.add(more);
  EXPECT_TRUE(store.stats().index_trained);
  EXPECT_EQ(store.index_size(), 202);
  const auto reopened = DocumentStore::open(dir, e);
  EXPECT_EQ(reopened.index_size(), 202);
  EXPECT_EQ(reopened.retrieve("alpha beta", {}).front().chunk.doc_id, "x");
}

TEST(DocumentStore, OpensWithoutEmbedderForListingAndDeleting) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("store");
  DocumentStore::create(dir, e, {}).add(corpus());
  EXPECT_EQ(DocumentStore::embedder_of(dir), (std::pair<std::string, int64_t>{"fake-bow", 256}));
  auto store = DocumentStore::open(dir, DocumentStore::Mode::kWrite);
  EXPECT_EQ(store.list().size(), 3u);
  EXPECT_EQ(store.remove("it/vpn"), 1);
  EXPECT_NE(error_of<UsageError>([&] { store.add(corpus()); }).find("without its embedder"), std::string::npos);
  EXPECT_NE(error_of<UsageError>([&] { store.retrieve("x", {}); }).find("without its embedder"), std::string::npos);
  EXPECT_EQ(DocumentStore::open(dir, e).list().size(), 2u);
}

TEST(DocumentStore, ApproximateIndexesFindTheSameDocumentsAsFlat) {
  FakeEmbedder e;
  std::vector<Document> docs;
  for (int i = 0; i < 300; ++i) {
    docs.push_back(doc("d" + std::to_string(i), "topic" + std::to_string(i) + " subject" + std::to_string(i % 17) +
                                                    " area" + std::to_string(i % 5) + " common words"));
  }
  for (const std::string factory : {"HNSW32", "IVF4,PQ8x4"}) {
    SCOPED_TRACE(factory);
    auto store = DocumentStore::create(lorag::test::temp_dir("store"), e, {{200, 40}, factory});
    store.add(docs);
    EXPECT_TRUE(store.stats().index_trained);
    EXPECT_EQ(store.index_size(), 300);
    for (int i = 0; i < 300; i += 29) {
      const auto hits = store.retrieve(docs[i].content, {});
      ASSERT_FALSE(hits.empty());
      EXPECT_EQ(hits[0].chunk.doc_id, docs[i].id);
      EXPECT_NEAR(hits[0].score, 1.0f, 1e-5);  // exact cosine, even from PQ codes
    }
  }
}

TEST(DocumentStore, RejectsBadQueriesAndRetrieveConfigs) {
  FakeEmbedder e;
  auto store = DocumentStore::create(lorag::test::temp_dir("store"), e, {});
  store.add(corpus());
  const std::string msg = error_of<ShapeError>([&] { store.search(std::vector<float>(128, 0.1f), {}); });
  EXPECT_NE(msg.find("query vector has 128 floats, the store's dimension is 256"), std::string::npos) << msg;
  RetrieveConfig config;
  config.mmr_lambda = -0.5f;
  EXPECT_NE(error_of<ConfigError>([&] { store.retrieve("x", config); }).find("mmr lambda is -0.5"), std::string::npos);
  config = {};
  config.top_k = 0;
  EXPECT_NE(error_of<ConfigError>([&] { store.retrieve("x", config); }).find("top_k is 0"), std::string::npos);
}

TEST(DocumentStore, RejectsBadIndexFactory) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("store");
  const std::string msg = error_of<ConfigError>([&] { DocumentStore::create(dir, e, {{}, "Bogus99"}); });
  EXPECT_NE(msg.find("index_factory 'Bogus99' rejected by FAISS"), std::string::npos) << msg;
  EXPECT_FALSE(DocumentStore::exists(dir));
}

}  // namespace
}  // namespace lorag::rag
