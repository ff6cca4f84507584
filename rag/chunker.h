// SPDX-License-Identifier: Apache-2.0
// Token-based text chunking for the document store (rag/): windows of at most
// `chunk_size` embedder tokens overlapping by `chunk_overlap`, cut preferably at
// heading, paragraph, sentence, line, then word boundaries. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rag/embedder.h"

namespace lorag::rag {

struct ChunkConfig {
  int64_t chunk_size = 200;    // tokens per chunk at most, e.g. 200 (clamped to Embedder::max_tokens())
  int64_t chunk_overlap = 40;  // tokens a chunk shares with the previous one, e.g. 40; < chunk_size

  // Throws ConfigError naming the field and value: chunk_size < 1, overlap < 0,
  // overlap >= chunk_size.
  void validate() const;
  // chunk_size clamped to `max_tokens` (the overlap shrinks to stay below it).
  ChunkConfig clamped(int64_t max_tokens) const;
};

// A chunk's byte range [begin, end) in the text it was cut from.
struct TextRange {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Cuts `text` into chunks of at most `config.chunk_size` tokens of
// `embedder.token_spans(text)` (after clamping to `embedder.max_tokens()`).
// Each chunk starts at a token's first byte and ends at a token's last byte, so
// text.substr(begin, end - begin) is the chunk. A cut goes in the second half
// of the window, at the latest of the best kind of boundary there: before a
// Markdown heading line, then a paragraph break (blank line), then a sentence
// end (. ! ? then whitespace), then a line break, then whitespace between
// words; else at the window's end. The next chunk starts `chunk_overlap` tokens before the
// cut, moved forward to the first sentence start inside the overlap when there
// is one, else to the first word start. Chunks are in order, each ends after the previous one ends, and
// together they cover every token. A text without tokens gives no chunks.
// Throws ConfigError for an invalid config.
std::vector<TextRange> chunk_text(const std::string& text, const Embedder& embedder, const ChunkConfig& config);

}  // namespace lorag::rag
