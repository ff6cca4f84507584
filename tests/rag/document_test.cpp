// SPDX-License-Identifier: Apache-2.0
#include "rag/document.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "model/core/error.h"
#include "tests/test_util.h"

namespace lorag::rag {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

template <typename E>
std::string error_of(const std::vector<fs::path>& paths) {
  try {
    load_documents(paths);
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(LoadDocuments, ReadsFoldersRecursivelySorted) {
  const fs::path dir = lorag::test::temp_dir("docs");
  write(dir / "b.md", "intro line\n\n## Leave policy ##\nYou get 25 days.\n");
  write(dir / "a" / "notes.txt", "plain notes\n");
  write(dir / "faq.jsonl",
        "{\"id\": \"q1\", \"title\": \"Refunds\", \"content\": \"Refunds take 5 days.\", \"tags\": [\"billing\"]}\n\n"
        "{\"id\": 7, \"content\": \"Numbered.\", \"year\": 2024}\n");
  write(dir / ".hidden" / "x.md", "# secret\n");
  write(dir / ".swap.md", "# swap\n");
  write(dir / "image.png", "\x89PNG");
  const auto docs = load_documents({dir});
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].id, "a/notes.txt");
  EXPECT_EQ(docs[0].title, "notes");
  EXPECT_EQ(docs[0].source, (dir / "a" / "notes.txt").string());
  EXPECT_EQ(docs[1].id, "b.md");
  EXPECT_EQ(docs[1].title, "Leave policy");
  EXPECT_EQ(docs[1].content, "intro line\n\n## Leave policy ##\nYou get 25 days.\n");
  EXPECT_EQ(docs[2].id, "q1");
  EXPECT_EQ(docs[2].title, "Refunds");
  EXPECT_EQ(docs[2].content, "Refunds take 5 days.");
  EXPECT_EQ(docs[2].metadata, nlohmann::json({{"tags", {"billing"}}}));
  EXPECT_EQ(docs[2].source, (dir / "faq.jsonl").string() + ":1");
  EXPECT_EQ(docs[3].id, "7");
  EXPECT_EQ(docs[3].title, "7");
  EXPECT_EQ(docs[3].metadata, nlohmann::json({{"year", 2024}}));
  EXPECT_EQ(docs[3].source, (dir / "faq.jsonl").string() + ":3");
}

TEST(LoadDocuments, FileGivenDirectlyIsNamedByItsFileName) {
  const fs::path dir = lorag::test::temp_dir("docs");
  write(dir / "sub" / "Guide.md", "# The guide\ntext\n");
  const auto docs = load_documents({dir / "sub" / "Guide.md"});
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].id, "Guide.md");
  EXPECT_EQ(docs[0].title, "The guide");
}

TEST(LoadDocuments, RejectsEmptyFile) {
  const fs::path dir = lorag::test::temp_dir("docs");
  write(dir / "empty.txt", " \n\n");
  const std::string msg = error_of<FormatError>({dir});
  EXPECT_NE(msg.find((dir / "empty.txt").string() + ": empty file"), std::string::npos) << msg;
}

TEST(LoadDocuments, NamesFileAndByteOffsetOfInvalidUtf8) {
  const fs::path dir = lorag::test::temp_dir("docs");
  write(dir / "latin1.txt", "caf\xe9 au lait");
  const std::string msg = error_of<FormatError>({dir / "latin1.txt"});
  EXPECT_NE(msg.find((dir / "latin1.txt").string() + ": invalid UTF-8 at byte 3 (0xe9)"), std::string::npos) << msg;
}

TEST(LoadDocuments, RejectsDuplicateIdsNamingBothSources) {
  const fs::path dir = lorag::test::temp_dir("docs");
  write(dir / "one.jsonl", "{\"id\": \"x\", \"content\": \"first\"}\n");
  write(dir / "two.jsonl", "{\"id\": \"y\", \"content\": \"ok\"}\n{\"id\": \"x\", \"content\": \"second\"}\n");
  const std::string msg = error_of<FormatError>({dir});
  EXPECT_NE(msg.find("document id 'x' appears twice: in " + (dir / "one.jsonl").string() + ":1 and in " +
                     (dir / "two.jsonl").string() + ":2"),
            std::string::npos)
      << msg;
}

TEST(LoadDocuments, NamesLineOfBadJsonl) {
  const fs::path dir = lorag::test::temp_dir("docs");
  write(dir / "bad.jsonl", "{\"content\": \"fine\"}\n{\"content\": oops}\n");
  EXPECT_NE(error_of<FormatError>({dir / "bad.jsonl"}).find((dir / "bad.jsonl").string() + ":2: invalid JSON ("),
            std::string::npos);
  write(dir / "notext.jsonl", "{\"id\": \"a\", \"body\": \"x\"}\n");
  EXPECT_NE(error_of<FormatError>({dir / "notext.jsonl"}).find(":1: missing \"content\""), std::string::npos);
}

TEST(LoadDocuments, RejectsUnsupportedFileAndMissingPath) {
  const fs::path dir = lorag::test::temp_dir("docs");
  write(dir / "x.pdf", "%PDF");
  EXPECT_NE(error_of<UsageError>({dir / "x.pdf"}).find("unsupported file type '.pdf'"), std::string::npos);
  EXPECT_NE(error_of<IoError>({dir / "nope"}).find((dir / "nope").string() + ": no such file or folder"),
            std::string::npos);
}

TEST(MarkdownTitle, TakesFirstHeadingOfAnyLevel) {
  EXPECT_EQ(markdown_title("text\n### Third level  \n# Later"), "Third level");
  EXPECT_EQ(markdown_title("#hashtag\nno heading"), "");
}

}  // namespace
}  // namespace lorag::rag

namespace lorag::rag {
namespace {

TEST(RetrievalFixture, CorpusAndQueriesLoad) {
  const auto dir = std::filesystem::path(LORAG_TEST_SOURCE_DIR) / "tests" / "rag" / "data";
  const auto docs = load_documents({dir / "retrieval_corpus.jsonl"});
  ASSERT_EQ(docs.size(), 12u);
  std::set<std::string> ids;
  for (const auto& d : docs) {
    ids.insert(d.id);
    EXPECT_TRUE(d.metadata["tags"].is_array()) << d.id;
  }
  std::ifstream in(dir / "queries.jsonl");
  std::string line;
  int queries = 0;
  while (std::getline(in, line)) {
    const auto q = nlohmann::json::parse(line);
    for (const auto& id : q.at("relevant")) EXPECT_TRUE(ids.count(id.get<std::string>())) << id;
    ++queries;
  }
  EXPECT_EQ(queries, 10);
}

}  // namespace
}  // namespace lorag::rag
