// SPDX-License-Identifier: Apache-2.0
#include "rag/chunker.h"

#include <gtest/gtest.h>

#include "model/core/error.h"
#include "tests/rag/fake_embedder.h"

namespace lorag::rag {
namespace {

using test::FakeEmbedder;

std::string words(const std::string& stem, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? " " : "") + stem + std::to_string(i);
  return out;
}

// Token index of each chunk's first and one-past-last token.
std::vector<std::pair<std::size_t, std::size_t>> token_ranges(const std::string& text,
                                                              const std::vector<TextRange>& chunks,
                                                              const Embedder& e) {
  const auto tokens = e.token_spans(text);
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const auto& c : chunks) {
    std::size_t first = tokens.size(), last = tokens.size();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i].begin == c.begin) first = i;
      if (tokens[i].end == c.end) last = i + 1;
    }
    EXPECT_LT(first, tokens.size()) << "chunk does not start at a token";
    EXPECT_LE(last, tokens.size()) << "chunk does not end at a token";
    out.push_back({first, last});
  }
  return out;
}

TEST(Chunker, ShortTextIsOneChunkOverItsTokens) {
  FakeEmbedder e;
  const std::string text = "\n  Hello small world.  \n";
  const auto chunks = chunk_text(text, e, {});
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(text.substr(chunks[0].begin, chunks[0].end - chunks[0].begin), "Hello small world.");
}

TEST(Chunker, EmptyTextGivesNoChunks) {
  FakeEmbedder e;
  EXPECT_TRUE(chunk_text("  \n\n ", e, {}).empty());
}

TEST(Chunker, RespectsSizeAndOverlapAndCoversEveryToken) {
  FakeEmbedder e;
  const std::string text = words("w", 237);  // no boundaries but spaces
  const ChunkConfig config{20, 5};
  const auto chunks = chunk_text(text, e, config);
  const auto ranges = token_ranges(text, chunks, e);
  ASSERT_GT(ranges.size(), 10u);
  EXPECT_EQ(ranges.front().first, 0u);
  EXPECT_EQ(ranges.back().second, 237u);
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_LE(ranges[i].second - ranges[i].first, 20u);
    if (i > 0) {
      EXPECT_EQ(ranges[i - 1].second - ranges[i].first, 5u) << "overlap of chunk " << i;
      EXPECT_GT(ranges[i].second, ranges[i - 1].second);
    }
  }
}

TEST(Chunker, CutsAtParagraphBreaks) {
  FakeEmbedder e;
  const std::string p1 = words("a", 30) + ".";
  const std::string p2 = words("b", 30) + ".";
  const std::string text = p1 + "\n\n" + p2;
  const auto chunks = chunk_text(text, e, {50, 0});
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(text.substr(chunks[0].begin, chunks[0].end - chunks[0].begin), p1);
  EXPECT_EQ(text.substr(chunks[1].begin, chunks[1].end - chunks[1].begin), p2);
}

TEST(Chunker, CutsAtSentenceEndsWhenNoParagraph) {
  FakeEmbedder e;
  std::string text;
  for (int s = 0; s < 12; ++s) text += (s ? " " : "") + words("s" + std::to_string(s) + "x", 6) + ".";
  const auto chunks = chunk_text(text, e, {20, 7});  // every 7-token overlap holds a sentence start
  ASSERT_GT(chunks.size(), 2u);
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_EQ(text[chunks[i].end - 1], '.') << "chunk " << i << " ends mid-sentence";
  }
  // The overlap moves forward to a sentence start, so every chunk begins with a word "s<k>x0".
  for (const auto& c : chunks) {
    const std::string first = text.substr(c.begin, text.find(' ', c.begin) - c.begin);
    EXPECT_TRUE(first.size() > 2 && first.substr(first.size() - 2) == "x0") << first;
  }
}

TEST(Chunker, CutsBeforeMarkdownHeadingsAndPrefersSentenceEndsOverLineBreaks) {
  FakeEmbedder e;
  const std::string section1 = "# One\n\n" + words("a", 20) + ".\n\n" + words("b", 10);
  const std::string text = section1 + "\n\n## Two\n\n" + words("c", 30);
  const auto chunks = chunk_text(text, e, {45, 0});
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(text.substr(chunks[0].begin, chunks[0].end - chunks[0].begin), section1);
  EXPECT_EQ(text.substr(chunks[1].begin, 6), "## Two");
  // Hard-wrapped prose: the cut goes after "end." rather than at a later line break.
  const std::string wrapped = words("x", 12) + " end.\n" + words("y", 3) + "\n" + words("z", 3) + "\n" + words("w", 20);
  const auto pieces = chunk_text(wrapped, e, {20, 0});
  EXPECT_EQ(wrapped.substr(pieces[0].end - 4, 4), "end.");
}

TEST(Chunker, ClampsToEmbedderMaxTokens) {
  FakeEmbedder e(64, 10);
  const std::string text = words("w", 100);
  const auto ranges = token_ranges(text, chunk_text(text, e, {200, 40}), e);
  for (const auto& r : ranges) EXPECT_LE(r.second - r.first, 10u);
  EXPECT_EQ(ranges.back().second, 100u);
}

TEST(Chunker, RejectsOverlapNotBelowSize) {
  FakeEmbedder e;
  try {
    chunk_text("a b c", e, {10, 10});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("chunk_overlap is 10, expected less than chunk_size 10"), std::string::npos)
        << err.what();
  }
}

}  // namespace
}  // namespace lorag::rag
