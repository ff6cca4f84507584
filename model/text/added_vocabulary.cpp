// SPDX-License-Identifier: Apache-2.0
// Matching added tokens in text (model/text), after `tokenizers`'
// added_vocabulary.rs `find_matches`.
#include "model/text/added_vocabulary.h"

#include <algorithm>
#include <cctype>

#include "model/text/utf8.h"

namespace lorag::model::text {
namespace {

// `regex_syntax::is_word_character` for ASCII; any non-ASCII byte counts as a
// word character, which is right for letters and harmless elsewhere.
bool is_word_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// Length of the whitespace run ending at `end`.
std::size_t space_before(std::string_view s, std::size_t end, std::size_t floor) {
  std::size_t b = end;
  while (b > floor) {
    std::size_t start = b - 1;
    while (start > floor && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    std::size_t pos = start;
    const long cp = utf8::next(s, pos);
    if (cp < 0 || !utf8::is_whitespace(static_cast<char32_t>(cp))) break;
    b = start;
  }
  return end - b;
}

std::size_t space_after(std::string_view s, std::size_t begin) {
  std::size_t pos = begin;
  while (pos < s.size()) {
    std::size_t next = pos;
    const long cp = utf8::next(s, next);
    if (cp < 0 || !utf8::is_whitespace(static_cast<char32_t>(cp))) break;
    pos = next;
  }
  return pos - begin;
}

}  // namespace

void AddedVocabulary::add(AddedToken token) {
  if (token.content.empty()) return;
  if (auto it = by_id_.find(token.id); it != by_id_.end()) {
    tokens_[it->second] = std::move(token);  // a later definition of the same id wins
  } else {
    by_id_[token.id] = tokens_.size();
    tokens_.push_back(std::move(token));
  }
  by_content_.clear();
  for (auto& bucket : by_first_byte_) bucket.clear();
  has_normalized_ = false;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    by_content_[tokens_[i].content] = i;
    by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
    has_normalized_ = has_normalized_ || tokens_[i].normalized;
  }
  for (auto& bucket : by_first_byte_) {
    std::stable_sort(bucket.begin(), bucket.end(), [&](std::size_t a, std::size_t b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
  }
}

const AddedToken* AddedVocabulary::find_id(int64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::find_content(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

std::vector<TextSegment> AddedVocabulary::split(std::string_view text, bool normalized, bool offset0,
                                                bool parse_special) const {
  std::vector<TextSegment> out;
  std::size_t done = 0;  // end of the last emitted segment
  std::size_t pos = 0;
  while (pos < text.size()) {
    const AddedToken* hit = nullptr;
    for (std::size_t i : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
      const AddedToken& t = tokens_[i];
      if (t.special && !parse_special) continue;
      if (t.normalized == normalized && text.compare(pos, t.content.size(), t.content) == 0) {
        hit = &t;
        break;  // buckets are sorted longest first
      }
    }
    if (hit == nullptr) {
      ++pos;
      continue;
    }
    std::size_t start = pos, stop = pos + hit->content.size();
    if (hit->single_word) {
      const bool left_ok = start == 0 || !is_word_byte(static_cast<unsigned char>(text[start - 1]));
      const bool right_ok = stop == text.size() || !is_word_byte(static_cast<unsigned char>(text[stop]));
      if (!left_ok || !right_ok) {
        pos = stop;  // aho-corasick resumes after the rejected match
        continue;
      }
    }
    if (hit->lstrip) start -= space_before(text, start, done);
    if (hit->rstrip) stop += space_after(text, stop);
    if (start > done) out.push_back({text.substr(done, start - done), -1, offset0 && done == 0});
    out.push_back({text.substr(start, stop - start), hit->id, offset0 && start == 0});
    done = pos = stop;
  }
  if (done < text.size()) out.push_back({text.substr(done), -1, offset0 && done == 0});
  return out;
}

std::vector<std::string> AddedVocabulary::pieces_of(const std::vector<int64_t>& ids, bool skip_special,
                                                    int64_t model_size,
                                                    const std::function<std::string(int64_t)>& model_piece) const {
  std::vector<std::string> pieces;
  pieces.reserve(ids.size());
  for (int64_t id : ids) {
    if (const AddedToken* t = find_id(id)) {
      if (!(skip_special && t->special)) pieces.push_back(t->content);
    } else if (id >= 0 && id < model_size) {
      pieces.push_back(model_piece(id));
    }
  }
  return pieces;
}

int64_t AddedVocabulary::vocab_size_with(int64_t model_size) const {
  int64_t n = model_size;
  for (const AddedToken& t : tokens_) n = std::max(n, t.id + 1);
  return n;
}

}  // namespace lorag::model::text
