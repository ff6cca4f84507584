// SPDX-License-Identifier: Apache-2.0
// Embedder (rag/): what the document store needs from a sentence embedder. The
// store, chunker and retriever code against this interface only, so they stay
// torch-free and their tests can use a small deterministic fake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lorag::rag {

// One token of a text as byte offsets [begin, end) into that text.
struct TokenSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

class Embedder {
 public:
  virtual ~Embedder() = default;

  // Identity recorded in a store's manifest, e.g. "all-MiniLM-L6-v2". Opening a
  // store with an embedder of another name or dimension is an error.
  virtual std::string name() const = 0;
  // Vector size, e.g. 384.
  virtual int64_t dimension() const = 0;
  // Longest input in tokens (without special tokens) the model embeds whole,
  // e.g. 254 for all-MiniLM-L6-v2 (max_seq_length 256 minus [CLS] and [SEP]).
  virtual int64_t max_tokens() const = 0;
  // The model's tokens of `text` (no special tokens) as byte spans, in order;
  // the chunker cuts texts at these offsets.
  virtual std::vector<TokenSpan> token_spans(const std::string& text) const = 0;
  // L2-normalised embeddings of `texts`, row-major [texts.size(), dimension()].
  // Texts longer than max_tokens() are truncated as the model would.
  virtual std::vector<float> embed(const std::vector<std::string>& texts) const = 0;
};

}  // namespace lorag::rag
