// SPDX-License-Identifier: Apache-2.0
// The tokenizer.json BPE model (model/text).
#include "model/text/bpe_model.h"

#include <cstdio>
#include <queue>

#include "model/core/error.h"
#include "model/text/utf8.h"

namespace lorag::model::text {
namespace {
// How far past the vocabulary's size an id may lie (sparse vocabularies leave gaps).
constexpr int64_t kMaxIdGap = 1 << 16;
}  // namespace

BpeModel::BpeModel(const nlohmann::json& spec, const JsonPlace& place) {
  using VT = nlohmann::json::value_t;
  const auto& vocab = json_field(spec, "vocab", place, VT::object);
  int64_t max_id = -1;
  for (const auto& [token, id] : vocab.items()) {
    LORAG_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0, FormatError,
                place.child("vocab").describe(), ": token '", token, "' has id ", id.dump(),
                ", expected a non-negative integer");
    // Ids index a dense table: one far past the vocabulary's size (10^12) would
    // size it for ids that do not exist, so it is refused before allocating.
    LORAG_CHECK(id.get<int64_t>() < static_cast<int64_t>(vocab.size()) + kMaxIdGap, FormatError,
                place.child("vocab").describe(), ": token '", token, "' has id ", id.dump(),
                ", far outside the vocabulary of ", vocab.size(), " tokens");
    vocab_.emplace(token, static_cast<int32_t>(id.get<int64_t>()));
    max_id = std::max(max_id, id.get<int64_t>());
  }
  id_to_token_.resize(static_cast<std::size_t>(max_id + 1));
  for (const auto& [token, id] : vocab_) id_to_token_[id] = token;

  const auto& merges = json_field(spec, "merges", place, VT::array);
  merges_.reserve(merges.size());
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const auto& m = merges[i];
    std::string a, b;
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const std::size_t space = s.find(' ', 1);
      LORAG_CHECK(space != std::string::npos, FormatError, place.child("merges").index(i).describe(), " is '", s,
                  "', expected two tokens separated by a space");
      a = s.substr(0, space);
      b = s.substr(space + 1);
    } else {
      LORAG_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), FormatError,
                  place.child("merges").index(i).describe(), " is ", m.dump(), ", expected \"a b\" or [\"a\", \"b\"]");
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    }
    auto ia = vocab_.find(a), ib = vocab_.find(b);
    std::string joined = a + (b.rfind(prefix_, 0) == 0 ? b.substr(prefix_.size()) : b);
    auto ij = vocab_.find(joined);
    LORAG_CHECK(ia != vocab_.end() && ib != vocab_.end() && ij != vocab_.end(), FormatError,
                place.child("merges").index(i).describe(), ": merge '", a, " ", b,
                "' uses a token missing from the vocab");
    merges_.emplace(pair_key(ia->second, ib->second), Merge{static_cast<int32_t>(i), ij->second});
  }
  const std::string unk = json_string_or(spec, "unk_token", place, "");
  if (!unk.empty()) {
    auto it = vocab_.find(unk);
    LORAG_CHECK(it != vocab_.end(), FormatError, place.child("unk_token").describe(), " is '", unk,
                "', which is not in the vocab");
    unk_id_ = it->second;
  }
  byte_fallback_ = json_bool_or(spec, "byte_fallback", place, false);
  fuse_unk_ = json_bool_or(spec, "fuse_unk", place, false);
  ignore_merges_ = json_bool_or(spec, "ignore_merges", place, false);
  prefix_ = json_string_or(spec, "continuing_subword_prefix", place, "");
  suffix_ = json_string_or(spec, "end_of_word_suffix", place, "");
}

std::optional<int64_t> BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(std::string(token));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string& BpeModel::id_to_token(int64_t id) const {
  static const std::string empty;
  return id >= 0 && id < size() ? id_to_token_[static_cast<std::size_t>(id)] : empty;
}

void BpeModel::initial_symbols(std::string_view word, std::vector<int32_t>& symbols) const {
  // One symbol per character (with the subword prefix/suffix), as `Word` is built
  // in `tokenizers`; unknown characters fall back to <0xXX> bytes or unk.
  bool last_unk = false;
  std::string piece;
  for (std::size_t pos = 0; pos < word.size();) {
    const std::size_t start = pos;
    utf8::next(word, pos);
    const bool first = start == 0, last = pos == word.size();
    piece.assign(first ? "" : prefix_);
    piece.append(word.substr(start, pos - start));
    if (last) piece.append(suffix_);
    if (auto it = vocab_.find(piece); it != vocab_.end()) {
      symbols.push_back(it->second);
      last_unk = false;
      continue;
    }
    if (byte_fallback_) {
      std::vector<int32_t> bytes;
      char name[8];
      for (std::size_t i = start; i < pos; ++i) {
        std::snprintf(name, sizeof(name), "<0x%02X>", static_cast<unsigned char>(word[i]));
        auto it = vocab_.find(name);
        if (it == vocab_.end()) { bytes.clear(); break; }
        bytes.push_back(it->second);
      }
      if (!bytes.empty()) {
        symbols.insert(symbols.end(), bytes.begin(), bytes.end());
        last_unk = false;
        continue;
      }
    }
    if (unk_id_ >= 0) {
      if (!(fuse_unk_ && last_unk)) symbols.push_back(unk_id_);
      last_unk = true;
    }
  }
}

void BpeModel::merge_word(std::vector<int32_t>& symbols) const {
  const std::size_t n = symbols.size();
  if (n < 2) return;
  // Doubly linked symbols merged lowest rank first (leftmost on ties), as
  // `Word::merge_all` does with its priority queue.
  std::vector<int> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (std::size_t i = 0; i < n; ++i) { prev[i] = static_cast<int>(i) - 1; next[i] = i + 1 < n ? static_cast<int>(i) + 1 : -1; }
  struct Cand { int32_t rank; int pos; int32_t left, right; };
  auto cmp = [](const Cand& x, const Cand& y) { return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos; };
  std::priority_queue<Cand, std::vector<Cand>, decltype(cmp)> queue(cmp);
  auto push = [&](int i) {
    if (i < 0 || next[i] < 0) return;
    auto it = merges_.find(pair_key(symbols[i], symbols[next[i]]));
    if (it != merges_.end()) queue.push({it->second.rank, i, symbols[i], symbols[next[i]]});
  };
  for (std::size_t i = 0; i + 1 < n; ++i) push(static_cast<int>(i));
  while (!queue.empty()) {
    const Cand c = queue.top();
    queue.pop();
    const int i = c.pos;
    // Stale entries: the symbol or its neighbour changed since this was queued.
    if (!alive[i] || next[i] < 0 || symbols[i] != c.left || symbols[next[i]] != c.right) continue;
    const int j = next[i];
    symbols[i] = merges_.at(pair_key(c.left, c.right)).id;
    alive[j] = false;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    push(prev[i]);
    push(i);
  }
  std::size_t w = 0;
  for (std::size_t i = 0; i < n; ++i) if (alive[i]) symbols[w++] = symbols[i];
  symbols.resize(w);
}

void BpeModel::tokenize_uncached(std::string_view word, std::vector<int64_t>& out) const {
  if (ignore_merges_) {
    // Llama 3: a whole pre-token found in the vocab is taken as one id.
    if (auto it = vocab_.find(std::string(word)); it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  initial_symbols(word, symbols);
  merge_word(symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

void BpeModel::tokenize(std::string_view word, std::vector<int64_t>& out) const {
  if (word.empty()) return;
  const std::string key(word);
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int64_t> ids;
  tokenize_uncached(word, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kCacheCapacity) cache_.clear();  // bounded memory on endless streams
  cache_.emplace(key, std::move(ids));
}

}  // namespace lorag::model::text
