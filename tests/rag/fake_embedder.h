// SPDX-License-Identifier: Apache-2.0
// A small deterministic Embedder for the store tests (tests/rag/): tokens are
// whitespace-separated words; the embedding is a normalised hashed bag of
// lowercased words with punctuation stripped.
#pragma once

#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "rag/embedder.h"

namespace lorag::rag::test {

class FakeEmbedder : public Embedder {
 public:
  explicit FakeEmbedder(int64_t dimension = 256, int64_t max_tokens = 512, std::string name = "fake-bow")
      : dimension_(dimension), max_tokens_(max_tokens), name_(std::move(name)) {}

  std::string name() const override { return name_; }
  int64_t dimension() const override { return dimension_; }
  int64_t max_tokens() const override { return max_tokens_; }

  std::vector<TokenSpan> token_spans(const std::string& text) const override {
    std::vector<TokenSpan> spans;
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= text.size()) break;
      const std::size_t begin = i;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      spans.push_back({begin, i});
    }
    return spans;
  }

  std::vector<float> embed(const std::vector<std::string>& texts) const override {
    std::vector<float> out;
    for (const auto& text : texts) {
      std::vector<float> v(static_cast<std::size_t>(dimension_), 0.0f);
      const auto spans = token_spans(text);
      for (std::size_t t = 0; t < spans.size() && static_cast<int64_t>(t) < max_tokens_; ++t) {
        std::string word;
        for (std::size_t p = spans[t].begin; p < spans[t].end; ++p) {
          const unsigned char c = static_cast<unsigned char>(text[p]);
          if (std::isalnum(c)) word += static_cast<char>(std::tolower(c));
        }
        if (word.empty()) continue;
        uint64_t h = 1469598103934665603ull;
        for (unsigned char c : word) h = (h ^ c) * 1099511628211ull;
        v[h % static_cast<uint64_t>(dimension_)] += 1.0f;
      }
      double norm = 0;
      for (float x : v) norm += double(x) * x;
      if (norm == 0) {
        v[0] = 1.0f;
        norm = 1;
      }
      for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }

 private:
  int64_t dimension_;
  int64_t max_tokens_;
  std::string name_;
};

}  // namespace lorag::rag::test
