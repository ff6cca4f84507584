// SPDX-License-Identifier: Apache-2.0
#include "rag/chunker.h"

#include <algorithm>

#include "model/core/error.h"

namespace lorag::rag {
namespace {

// How good a cut between token i-1 and token i is; higher is better.
enum Boundary { kNone = 0, kWord = 1, kLine = 2, kSentence = 3, kParagraph = 4, kHeading = 5 };

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

Boundary boundary_before(const std::string& text, const std::vector<TokenSpan>& tokens, std::size_t i) {
  const std::size_t gap_begin = tokens[i - 1].end;
  const std::size_t gap_end = std::max(gap_begin, tokens[i].begin);
  int newlines = 0;
  bool space = false;
  for (std::size_t p = gap_begin; p < gap_end; ++p) {
    if (text[p] == '\n') ++newlines;
    if (is_space(text[p])) space = true;
  }
  // A Markdown heading starts a section: cut before it rather than after it.
  if (newlines >= 1 && text[tokens[i].begin] == '#') return kHeading;
  if (newlines >= 2) return kParagraph;
  if (!space) return kNone;
  // The last non-quote character before the gap ends a sentence (". ", "?\" ").
  std::size_t p = gap_begin;
  while (p > tokens[i - 1].begin && (text[p - 1] == '"' || text[p - 1] == '\'' || text[p - 1] == ')')) --p;
  if (p > 0 && (text[p - 1] == '.' || text[p - 1] == '!' || text[p - 1] == '?')) return kSentence;
  // A bare line break (a list item, or hard-wrapped prose) beats a space.
  return newlines == 1 ? kLine : kWord;
}

}  // namespace

void ChunkConfig::validate() const {
  LORAG_CHECK(chunk_size >= 1, ConfigError, "chunk_size is ", chunk_size, ", expected at least 1");
  LORAG_CHECK(chunk_overlap >= 0, ConfigError, "chunk_overlap is ", chunk_overlap, ", expected at least 0");
  LORAG_CHECK(chunk_overlap < chunk_size, ConfigError, "chunk_overlap is ", chunk_overlap,
              ", expected less than chunk_size ", chunk_size);
}

ChunkConfig ChunkConfig::clamped(int64_t max_tokens) const {
  ChunkConfig out = *this;
  if (max_tokens > 0 && out.chunk_size > max_tokens) out.chunk_size = max_tokens;
  if (out.chunk_overlap >= out.chunk_size) out.chunk_overlap = out.chunk_size / 5;
  return out;
}

std::vector<TextRange> chunk_text(const std::string& text, const Embedder& embedder, const ChunkConfig& config) {
  config.validate();
  const ChunkConfig c = config.clamped(embedder.max_tokens());
  const std::vector<TokenSpan> tokens = embedder.token_spans(text);
  const std::size_t n = tokens.size();
  const std::size_t size = static_cast<std::size_t>(c.chunk_size);
  const std::size_t overlap = static_cast<std::size_t>(c.chunk_overlap);
  std::vector<TextRange> chunks;
  std::size_t start = 0;
  while (start < n) {
    std::size_t stop = std::min(n, start + size);  // one past the chunk's last token
    if (stop < n) {
      // Cut at the best boundary in the window's second half (and past the
      // overlap, so the next chunk starts after this one), the latest of the best.
      const std::size_t earliest = start + std::max(overlap + 1, (size + 1) / 2);
      Boundary best = kNone;
      std::size_t best_at = stop;
      for (std::size_t i = stop; i >= earliest && i > start; --i) {
        const Boundary b = boundary_before(text, tokens, i);
        if (b > best) {
          best = b;
          best_at = i;
          if (b == kHeading) break;
        }
      }
      stop = best_at;
    }
    chunks.push_back({tokens[start].begin, tokens[stop - 1].end});
    if (stop >= n) break;
    std::size_t next = stop > overlap ? stop - overlap : 0;
    if (next <= start) next = start + 1;
    if (overlap > 0) {
      // Start the overlap at the first sentence start inside it, else at the
      // first word start (not inside a word split into several tokens).
      for (const Boundary wanted : {kSentence, kWord}) {
        std::size_t found = stop;
        for (std::size_t i = next; i < stop && found == stop; ++i) {
          if (i > 0 && boundary_before(text, tokens, i) >= wanted) found = i;
        }
        if (found < stop) {
          next = found;
          break;
        }
      }
    }
    start = next;
  }
  return chunks;
}

}  // namespace lorag::rag
