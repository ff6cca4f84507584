// SPDX-License-Identifier: Apache-2.0
// Documents to index and how they are read from files (rag/): .txt and .md
// files (one document each) and .jsonl files (one document per line). Torch-free.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lorag::rag {

struct Document {
  std::string id;       // stable id, e.g. "hr/leave.md" or the "id" field of a JSONL line
  std::string title;    // e.g. "Leave policy"
  std::string source;   // where it came from, e.g. "docs/hr/leave.md" or "faq.jsonl:12"
  std::string content;  // UTF-8 text
  nlohmann::json metadata = nlohmann::json::object();  // other fields, e.g. {"tags": ["hr"]}
};

// Reads the documents in `paths`, each a file or a folder (searched recursively;
// files and folders whose names start with '.' are skipped, as are files of
// other extensions). Folder entries are sorted by path, so the result is
// deterministic.
// - .txt, .md, .markdown: one document; id = the path relative to the folder
//   given (generic '/' separators), or the file name for a file given directly;
//   title = the first Markdown heading ("# Title", any level), else the file stem.
// - .jsonl: one document per non-blank line, an object with "content" (or
//   "text"), optional "id" (string or number; default "FILE:LINE"), optional
//   "title" (default the id); every other field goes into metadata.
// Throws IoError for a missing or unreadable path, FormatError naming the file
// (and line or byte offset) for an empty file, a document without text,
// non-UTF-8 bytes, bad JSON or a non-object line, and for an id used twice
// (naming both sources); UsageError for a file given directly with another
// extension.
std::vector<Document> load_documents(const std::vector<std::filesystem::path>& paths);

// The first Markdown heading's text in `content` ("## Leave policy" -> "Leave
// policy"), or "" when there is none.
std::string markdown_title(const std::string& content);

// Throws FormatError "`what`: invalid UTF-8 at byte N" for the first bad byte.
void check_utf8(const std::string& bytes, const std::string& what);

}  // namespace lorag::rag
