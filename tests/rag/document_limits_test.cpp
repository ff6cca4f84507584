// SPDX-License-Identifier: Apache-2.0
// Hostile document inputs (issue #18): a folder with no documents is an error
// (not an empty success), FIFOs are refused rather than waited on, and deeply
// nested JSONL metadata is refused by the bounded reader.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "model/core/error.h"
#include "rag/document.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
namespace fs = std::filesystem;

TEST(DocumentLimits, FolderWithoutDocumentsIsAnErrorCountingWhatWasSkipped) {
  const auto dir = temp_dir("docs_empty");
  std::ofstream(dir / "image.png") << "\x89PNG";
  ASSERT_EQ(::mkfifo((dir / "pipe.md").c_str(), 0644), 0);
  const auto message = error_of<UsageError>([&] { rag::load_documents({dir}); });
  EXPECT_NE(message.find(": no documents in this folder (expected .txt, .md or .jsonl regular files; 2 other "
                         "entries skipped)"),
            std::string::npos)
      << message;
  fs::remove_all(dir);
}

TEST(DocumentLimits, FifoIsRefusedNotWaitedOn) {
  const auto dir = temp_dir("docs_fifo");
  ASSERT_EQ(::mkfifo((dir / "notes.md").c_str(), 0644), 0);
  const auto message = error_of<IoError>([&] { rag::load_documents({dir / "notes.md"}); });
  EXPECT_NE(message.find("notes.md: is a FIFO, expected a regular file"), std::string::npos) << message;
  fs::remove_all(dir);
}

TEST(DocumentLimits, DeeplyNestedMetadataIsRefused) {
  const auto dir = temp_dir("docs_deep");
  std::ofstream(dir / "docs.jsonl") << "{\"id\": \"a\", \"content\": \"x\", \"meta\": " << std::string(200000, '[')
                                    << std::string(200000, ']') << "}\n";
  const auto message = error_of<FormatError>([&] { rag::load_documents({dir / "docs.jsonl"}); });
  EXPECT_NE(message.find("docs.jsonl:1: JSON nested deeper than 256 levels"), std::string::npos) << message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lorag::test
