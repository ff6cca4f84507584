// SPDX-License-Identifier: Apache-2.0
// BERT WordPiece tokenization (rag/encoder/): the steps of tokenizers'
// BertNormalizer, BertPreTokenizer and WordPiece model, with byte offsets.
#include "rag/encoder/wordpiece_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/text/json_field.h"
#include "model/text/nfc.h"
#include "model/text/utf8.h"

namespace lorag::rag::encoder {
namespace {
namespace fs = std::filesystem;

struct CodeRange { uint32_t first, last; };
struct LowerCase { uint32_t cp, first, second; };  // second == 0: one code point
#include "rag/encoder/wordpiece_tables.inc"

template <std::size_t N>
bool in_ranges(const CodeRange (&table)[N], uint32_t cp) {
  const auto* it = std::upper_bound(std::begin(table), std::end(table), cp,
                                    [](uint32_t c, const CodeRange& r) { return c < r.first; });
  return it != std::begin(table) && cp <= (it - 1)->last;
}

// The ranges BERT calls Chinese characters (CJK Unified Ideographs and their
// extensions and compatibility blocks), as tokenizers' `is_chinese_char`.
bool is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// Rust's `char::to_lowercase` (one or two code points).
void lowercase(uint32_t cp, std::vector<uint32_t>& out) {
  const auto* end = std::end(kLowerCase);
  const auto* it = std::lower_bound(std::begin(kLowerCase), end, cp,
                                    [](const LowerCase& l, uint32_t c) { return l.cp < c; });
  if (it == end || it->cp != cp) {
    out.push_back(cp);
    return;
  }
  out.push_back(it->first);
  if (it->second != 0) out.push_back(it->second);
}

// A special token in tokenizer_config.json: a string, or an AddedToken object.
std::string special_token(const nlohmann::json& config, const std::string& key, const model::text::JsonPlace& place,
                          const std::string& fallback) {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  const auto& value = config[key];
  if (value.is_object()) return model::text::json_string_or(value, "content", place.child(key), fallback);
  return model::text::json_string_or(config, key, place, fallback);
}

// tokenizer.json's WordPiece vocabulary (folders saved by transformers 5 have no vocab.txt).
std::vector<std::string> read_tokenizer_json_vocab(const fs::path& path) {
  const auto json = read_json_file(path);
  const model::text::JsonPlace place{path.string(), ""};
  const auto& model = model::text::json_field(json, "model", place, nlohmann::json::value_t::object);
  const std::string type = model::text::json_string_or(model, "type", place.child("model"), "");
  LORAG_CHECK(type == "WordPiece", FormatError, place.child("model.type").describe(), " is '", type,
              "', expected 'WordPiece' (a BERT tokenizer)");
  const auto& vocab = model::text::json_field(model, "vocab", place.child("model"), nlohmann::json::value_t::object);
  std::vector<std::string> out(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    LORAG_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0 && id.get<std::size_t>() < out.size(),
                FormatError, place.child("model.vocab").describe(), ": token '", token, "' has id ", id.dump(),
                ", expected 0..", out.size() - 1);
    out[id.get<std::size_t>()] = token;
  }
  return out;
}

std::vector<std::string> read_vocab(const fs::path& path) {
  if (!fs::exists(path) && fs::exists(path.parent_path() / "tokenizer.json")) {
    return read_tokenizer_json_vocab(path.parent_path() / "tokenizer.json");
  }
  LORAG_CHECK(fs::is_regular_file(path), IoError, path.string(),
              ": no such file (a BERT sentence-transformers folder needs its WordPiece vocab.txt or tokenizer.json)");
  check_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  LORAG_CHECK(in, IoError, path.string(), ": cannot open for reading");
  std::vector<std::string> vocab;
  // BertTokenizer's load_vocab: one token a line, only the '\n' stripped.
  for (std::string line; std::getline(in, line);) vocab.push_back(std::move(line));
  LORAG_CHECK(!vocab.empty(), FormatError, path.string(), ": empty vocabulary");
  return vocab;
}
}  // namespace

WordPieceTokenizer WordPieceTokenizer::load(const fs::path& dir) {
  auto vocab = read_vocab(dir / "vocab.txt");
  WordPieceConfig config;
  const auto config_path = dir / "tokenizer_config.json";
  if (fs::exists(config_path)) {
    const auto json = read_json_file(config_path);
    const model::text::JsonPlace place{config_path.string(), ""};
    config.do_lower_case = model::text::json_bool_or(json, "do_lower_case", place, true);
    // strip_accents: null means "as do_lower_case" (BertNormalizer).
    config.strip_accents = model::text::json_bool_or(json, "strip_accents", place, config.do_lower_case);
    config.tokenize_chinese_chars = model::text::json_bool_or(json, "tokenize_chinese_chars", place, true);
    config.unk_token = special_token(json, "unk_token", place, config.unk_token);
    config.cls_token = special_token(json, "cls_token", place, config.cls_token);
    config.sep_token = special_token(json, "sep_token", place, config.sep_token);
    config.pad_token = special_token(json, "pad_token", place, config.pad_token);
    config.mask_token = special_token(json, "mask_token", place, config.mask_token);
  }
  return WordPieceTokenizer(std::move(vocab), std::move(config), (dir / "vocab.txt").string());
}

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, WordPieceConfig config, std::string source)
    : vocab_(std::move(vocab)), config_(std::move(config)), source_(std::move(source)) {
  ids_.reserve(vocab_.size());
  for (std::size_t i = 0; i < vocab_.size(); ++i) ids_[vocab_[i]] = static_cast<int64_t>(i);  // last wins, as HF
  auto required = [&](const std::string& token, const char* role) {
    const int64_t id = token_id(token);
    LORAG_CHECK(id >= 0, FormatError, source_, ": ", role, " '", token,
                "' is not in the vocabulary (hint: check tokenizer_config.json)");
    return id;
  };
  unk_id_ = required(config_.unk_token, "unk_token");
  cls_id_ = required(config_.cls_token, "cls_token");
  sep_id_ = required(config_.sep_token, "sep_token");
  pad_id_ = required(config_.pad_token, "pad_token");
  for (const auto* token : {&config_.unk_token, &config_.cls_token, &config_.sep_token, &config_.pad_token,
                            &config_.mask_token}) {
    if (!token->empty() && token_id(*token) >= 0 &&
        std::find(specials_.begin(), specials_.end(), *token) == specials_.end()) {
      specials_.push_back(*token);
    }
  }
  std::sort(specials_.begin(), specials_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

int64_t WordPieceTokenizer::token_id(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

void WordPieceTokenizer::normalize(std::string_view text, std::size_t offset, std::vector<Char>& out) const {
  std::vector<uint32_t> decomposed, lowered;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t begin = pos;
    const long decoded = model::text::utf8::next(text, pos);
    const uint32_t cp = decoded < 0 ? 0xFFFD : static_cast<uint32_t>(decoded);
    const std::size_t b = offset + begin, e = offset + pos;
    uint32_t c = cp;
    if (config_.clean_text) {
      if (in_ranges(kControl, c)) continue;  // also U+0000 and U+FFFD, as BertNormalizer
      if (in_ranges(kWhitespace, c)) c = ' ';
    }
    if (config_.tokenize_chinese_chars && is_cjk(c)) {
      // Spaces around the ideograph make it a word of its own.
      out.insert(out.end(), {Char{' ', b, e}, Char{c, b, e}, Char{' ', b, e}});
      continue;
    }
    decomposed.clear();
    if (config_.strip_accents) {
      model::text::canonical_decompose(c, decomposed);
    } else {
      decomposed.push_back(c);
    }
    for (uint32_t d : decomposed) {
      if (config_.strip_accents && in_ranges(kNonSpacingMark, d)) continue;
      lowered.clear();
      if (config_.do_lower_case) {
        lowercase(d, lowered);
      } else {
        lowered.push_back(d);
      }
      for (uint32_t l : lowered) out.push_back({l, b, e});
    }
  }
}

void WordPieceTokenizer::tokenize_plain(std::string_view text, std::size_t offset, std::vector<WordPiece>& out) const {
  std::vector<Char> chars;
  normalize(text, offset, chars);
  // BertPreTokenizer: split on whitespace (dropped) and punctuation (kept alone).
  std::vector<Char> word;
  for (const Char& ch : chars) {
    if (model::text::utf8::is_whitespace(ch.cp)) {
      word_pieces(word, out);
      word.clear();
    } else if (in_ranges(kPunctuation, ch.cp)) {
      word_pieces(word, out);
      word.assign(1, ch);
      word_pieces(word, out);
      word.clear();
    } else {
      word.push_back(ch);
    }
  }
  word_pieces(word, out);
}

void WordPieceTokenizer::word_pieces(const std::vector<Char>& word, std::vector<WordPiece>& out) const {
  if (word.empty()) return;
  const WordPiece unknown{unk_id_, word.front().begin, word.back().end};
  if (static_cast<int64_t>(word.size()) > config_.max_input_chars_per_word) {
    out.push_back(unknown);
    return;
  }
  std::vector<std::string> utf8(word.size());
  for (std::size_t i = 0; i < word.size(); ++i) model::text::utf8::append(utf8[i], word[i].cp);
  const std::size_t first = out.size();
  // Greedy longest-match-first; one piece without a match makes the whole word [UNK].
  for (std::size_t start = 0; start < word.size();) {
    int64_t id = -1;
    std::size_t end = word.size();
    for (; end > start; --end) {
      std::string piece = start > 0 ? config_.continuing_subword_prefix : std::string();
      for (std::size_t i = start; i < end; ++i) piece += utf8[i];
      id = token_id(piece);
      if (id >= 0) break;
    }
    if (id < 0) {
      out.resize(first);
      out.push_back(unknown);
      return;
    }
    out.push_back({id, word[start].begin, word[end - 1].end});
    start = end;
  }
}

std::vector<WordPiece> WordPieceTokenizer::tokenize(std::string_view text) const {
  std::vector<WordPiece> out;
  // Special tokens in the raw text are matched before normalisation (HF added
  // tokens with normalized=false), leftmost and then longest first.
  std::size_t plain_begin = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::string* match = nullptr;
    for (const auto& special : specials_) {
      if (text.substr(pos, special.size()) == special) {
        match = &special;
        break;
      }
    }
    if (!match) {
      ++pos;
      continue;
    }
    tokenize_plain(text.substr(plain_begin, pos - plain_begin), plain_begin, out);
    out.push_back({token_id(*match), pos, pos + match->size()});
    pos += match->size();
    plain_begin = pos;
  }
  tokenize_plain(text.substr(plain_begin), plain_begin, out);
  return out;
}

std::vector<int64_t> WordPieceTokenizer::encode(std::string_view text, int64_t max_tokens) const {
  const auto pieces = tokenize(text);
  const std::size_t n = std::min(pieces.size(), static_cast<std::size_t>(std::max<int64_t>(max_tokens, 0)));
  std::vector<int64_t> ids;
  ids.reserve(n + 2);
  ids.push_back(cls_id_);
  for (std::size_t i = 0; i < n; ++i) ids.push_back(pieces[i].id);
  ids.push_back(sep_id_);
  return ids;
}

}  // namespace lorag::rag::encoder
