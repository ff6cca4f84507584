// SPDX-License-Identifier: Apache-2.0
#include "rag/document.h"

#include <algorithm>
#include <map>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/jsonl.h"
#include "model/core/log.h"
#include "model/text/utf8.h"

namespace lorag::rag {
namespace fs = std::filesystem;
namespace {

enum class Kind { kText, kJsonl, kOther };

Kind kind_of(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".txt" || ext == ".md" || ext == ".markdown") return Kind::kText;
  if (ext == ".jsonl") return Kind::kJsonl;
  return Kind::kOther;
}

bool is_blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::string read_checked(const fs::path& path) {
  std::string bytes = read_file(path);
  LORAG_CHECK(!is_blank(bytes), FormatError, path.string(), ": empty file (no text to index)");
  check_utf8(bytes, path.string());
  return bytes;
}

void read_text(const fs::path& path, const std::string& id, std::vector<Document>& out) {
  Document doc;
  doc.content = read_checked(path);
  doc.id = id;
  doc.source = path.string();
  doc.title = markdown_title(doc.content);
  if (doc.title.empty()) doc.title = path.stem().string();
  out.push_back(std::move(doc));
}

std::string json_id(const nlohmann::json& value, const std::string& where) {
  if (value.is_string()) return value.get<std::string>();
  LORAG_CHECK(value.is_number_integer() || value.is_number_unsigned(), FormatError, where,
              ": \"id\" is ", value.dump(), ", expected a string or an integer");
  return value.dump();
}

Document document_of(const nlohmann::json& record, const std::string& where) {
  const char* text_key = record.contains("content") ? "content" : "text";
  LORAG_CHECK(record.contains(text_key) && record[text_key].is_string(), FormatError, where,
              ": missing \"content\" (a string with the document's text)");
  Document doc;
  doc.content = record[text_key].get<std::string>();
  LORAG_CHECK(!is_blank(doc.content), FormatError, where, ": \"", text_key, "\" is empty");
  doc.id = record.contains("id") ? json_id(record["id"], where) : where;
  LORAG_CHECK(!doc.id.empty(), FormatError, where, ": \"id\" is empty");
  if (record.contains("title")) {
    LORAG_CHECK(record["title"].is_string(), FormatError, where, ": \"title\" is ", record["title"].dump(),
                ", expected a string");
    doc.title = record["title"].get<std::string>();
  } else {
    doc.title = doc.id;
  }
  doc.source = where;
  for (const auto& [key, value] : record.items()) {
    if (key != "id" && key != "title" && key != text_key) doc.metadata[key] = value;
  }
  return doc;
}

void read_jsonl(const fs::path& path, std::vector<Document>& out) {
  const std::size_t before = out.size();
  for_each_jsonl_record(path, [&](const nlohmann::json& record, const std::string& where, std::size_t) {
    out.push_back(document_of(record, where));
  });
  LORAG_CHECK(out.size() > before, FormatError, path.string(), ": empty file (no text to index)");
}

bool hidden(const fs::path& relative) {
  for (const auto& part : relative) {
    const std::string s = part.string();
    if (!s.empty() && s[0] == '.' && s != "." && s != "..") return true;
  }
  return false;
}

void read_path(const fs::path& path, std::vector<Document>& out) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  LORAG_CHECK(!ec && fs::exists(status), IoError, path.string(), ": no such file or folder");
  if (fs::is_directory(status)) {
    std::vector<fs::path> files;
    int64_t skipped = 0;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      const fs::path relative = it->path().lexically_relative(path);
      if (hidden(relative)) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && kind_of(it->path()) != Kind::kOther) {
        files.push_back(it->path());
      } else if (!it->is_directory()) {
        ++skipped;  // other extensions, FIFOs, sockets, devices
      }
    }
    LORAG_CHECK(!ec, IoError, path.string(), ": cannot list folder (", ec.message(), ")");
    // A folder that yields nothing is a mistake (wrong path, wrong extensions), not an empty success.
    LORAG_CHECK(!files.empty(), UsageError, path.string(), ": no documents in this folder (expected .txt, .md or ",
                ".jsonl regular files; ", skipped, " other entr", skipped == 1 ? "y" : "ies", " skipped)");
    if (skipped > 0) {
      log::warn(path.string(), ": skipped ", skipped, " entr", skipped == 1 ? "y" : "ies",
                " that are not .txt, .md or .jsonl regular files");
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      if (kind_of(file) == Kind::kJsonl) {
        read_jsonl(file, out);
      } else {
        read_text(file, file.lexically_relative(path).generic_string(), out);
      }
    }
    return;
  }
  switch (kind_of(path)) {
    case Kind::kText: read_text(path, path.filename().string(), out); break;
    case Kind::kJsonl: read_jsonl(path, out); break;
    case Kind::kOther:
      LORAG_FAIL(UsageError, path.string(), ": unsupported file type '", path.extension().string(),
                 "' (expected .txt, .md or .jsonl)");
  }
}

}  // namespace

std::string markdown_title(const std::string& content) {
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t eol = content.find('\n', pos);
    if (eol == std::string::npos) eol = content.size();
    std::string_view line(content.data() + pos, eol - pos);
    pos = eol + 1;
    std::size_t hashes = 0;
    while (hashes < line.size() && line[hashes] == '#') ++hashes;
    if (hashes == 0 || hashes > 6 || hashes >= line.size() || (line[hashes] != ' ' && line[hashes] != '\t')) continue;
    std::string_view title = line.substr(hashes);
    while (!title.empty() && std::isspace(static_cast<unsigned char>(title.front()))) title.remove_prefix(1);
    while (!title.empty() && (std::isspace(static_cast<unsigned char>(title.back())) || title.back() == '#')) {
      title.remove_suffix(1);
    }
    if (!title.empty()) return std::string(title);
  }
  return "";
}

void check_utf8(const std::string& bytes, const std::string& what) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (static_cast<unsigned char>(bytes[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const std::size_t len = model::text::utf8::valid_length(bytes, pos);
    LORAG_CHECK(len > 0, FormatError, what, ": invalid UTF-8 at byte ", pos, " (0x", std::hex,
                static_cast<int>(static_cast<unsigned char>(bytes[pos])), std::dec, "); convert the file to UTF-8");
    pos += len;
  }
}

std::vector<Document> load_documents(const std::vector<fs::path>& paths) {
  std::vector<Document> docs;
  for (const auto& path : paths) read_path(path, docs);
  std::map<std::string, const Document*> seen;
  for (const auto& doc : docs) {
    const auto [it, inserted] = seen.emplace(doc.id, &doc);
    LORAG_CHECK(inserted, FormatError, "document id '", doc.id, "' appears twice: in ", it->second->source,
                " and in ", doc.source);
  }
  return docs;
}

}  // namespace lorag::rag
