// SPDX-License-Identifier: Apache-2.0
// A chunk of a document as the store keeps it, and a retrieval hit (rag/).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace lorag::rag {

struct Chunk {
  int64_t id = -1;             // vector id in the FAISS index, unique within the store
  std::string doc_id;          // the document's stable id, e.g. "hr/leave-policy"
  std::string title;           // document title, e.g. "Leave policy"
  std::string source;          // file it came from, e.g. "docs/hr/leave.md"
  int64_t chunk_index = 0;     // 0-based position of this chunk within its document
  int64_t begin = 0;           // byte offset of the chunk's first byte in the document text
  int64_t end = 0;             // one past its last byte
  std::string text;            // the chunk's text (document bytes [begin, end))
  nlohmann::json metadata = nlohmann::json::object();  // the document's other fields, e.g. {"tags": ["hr"]}
};

struct Hit {
  Chunk chunk;
  float score = 0;  // inner product of normalised vectors (cosine), higher is closer
};

}  // namespace lorag::rag
