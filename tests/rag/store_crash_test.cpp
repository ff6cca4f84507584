// SPDX-License-Identifier: Apache-2.0
// Crash safety: a writer process killed at each point of a save leaves the
// previous store intact. The test re-runs this binary as the writer
// (StoreCrashChild.Write, skipped unless LORAG_STORE_CRASH_DIR is set), which
// _exit()s from the save hook, so no destructor or flush runs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "rag/document_store.h"
#include "tests/rag/fake_embedder.h"
#include "tests/test_util.h"

namespace lorag::rag {
namespace {
namespace fs = std::filesystem;
using test::FakeEmbedder;

constexpr int kCrashExit = 42;

Document doc(const std::string& id, const std::string& content) { return {id, id, "src/" + id, content, {}}; }

TEST(StoreCrashChild, Write) {
  const char* dir = std::getenv("LORAG_STORE_CRASH_DIR");
  const char* stage = std::getenv("LORAG_STORE_CRASH_STAGE");
  if (!dir || !stage) GTEST_SKIP() << "helper for StoreCrash tests";
  FakeEmbedder e;
  auto store = DocumentStore::open(dir, e, DocumentStore::Mode::kWrite);
  const std::string crash_at = stage;
  set_store_save_hook([crash_at](const std::string& at) {
    if (at == crash_at) _exit(kCrashExit);
  });
  store.remove("keep");  // also checks a delete is undone
  store.add({doc("new", "fresh words about zebras")});
}

// Runs the writer child crashing at `stage`; returns its exit status.
int run_child(const fs::path& dir, const std::string& stage) {
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("LORAG_STORE_CRASH_DIR", dir.c_str(), 1);
    setenv("LORAG_STORE_CRASH_STAGE", stage.c_str(), 1);
    execl("/proc/self/exe", "rag_tests", "--gtest_filter=StoreCrashChild.Write", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(StoreCrash, KilledWriterLeavesPreviousGenerationIntact) {
  FakeEmbedder e;
  for (const std::string stage : {"data_written", "index_written"}) {
    SCOPED_TRACE(stage);
    const fs::path dir = lorag::test::temp_dir("crash");
    DocumentStore::create(dir, e, {}).add({doc("keep", "old words about lions"), doc("other", "cats")});
    ASSERT_EQ(run_child(dir, stage), kCrashExit);
    // The child died holding the lock; the kernel released it with the process.
    auto store = DocumentStore::open(dir, e, DocumentStore::Mode::kWrite);
    const auto docs = store.list();
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0].doc_id, "keep");
    EXPECT_EQ(store.index_size(), 2);
    EXPECT_EQ(store.retrieve("lions", {}).front().chunk.doc_id, "keep");
    EXPECT_EQ(store.stats().generation, 2);
    // The next save reuses the crashed generation's names and succeeds.
    store.add({doc("later", "tigers")});
    EXPECT_EQ(DocumentStore::open(dir, e).list().size(), 3u);
  }
}

TEST(StoreCrash, WriterKilledAfterManifestLeavesNewGeneration) {
  FakeEmbedder e;
  const fs::path dir = lorag::test::temp_dir("crash");
  DocumentStore::create(dir, e, {}).add({doc("keep", "old words about lions"), doc("other", "cats")});
  // The child crashes after its first save (the delete) is published.
  ASSERT_EQ(run_child(dir, "manifest_written"), kCrashExit);
  const auto store = DocumentStore::open(dir, e);
  const auto docs = store.list();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].doc_id, "other");
  EXPECT_EQ(store.index_size(), 1);
}

}  // namespace
}  // namespace lorag::rag
