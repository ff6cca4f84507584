// SPDX-License-Identifier: Apache-2.0
// BERT's WordPiece tokenizer (rag/encoder/), as Hugging Face's fast
// BertTokenizer runs it: BertNormalizer, BertPreTokenizer, WordPiece. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lorag::rag::encoder {

// The options of tokenizers' BertNormalizer and WordPiece model, with the
// names tokenizer_config.json uses.
struct WordPieceConfig {
  bool clean_text = true;             // drop control characters, map whitespace to ' '
  bool tokenize_chinese_chars = true; // put spaces around CJK ideographs
  bool do_lower_case = true;          // per-character Unicode lowercase
  bool strip_accents = true;          // NFD, then drop non-spacing marks (Mn); defaults to do_lower_case
  int64_t max_input_chars_per_word = 100;  // longer words become unk_token
  std::string continuing_subword_prefix = "##";
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
};

// One wordpiece: its vocabulary id and the bytes [begin, end) of the original
// text it came from.
struct WordPiece {
  int64_t id = 0;
  std::size_t begin = 0;
  std::size_t end = 0;
};

class WordPieceTokenizer {
 public:
  // Reads `dir`/vocab.txt (one token a line, id = line number; else the
  // WordPiece vocab of `dir`/tokenizer.json) and, when
  // present, `dir`/tokenizer_config.json (do_lower_case, strip_accents,
  // tokenize_chinese_chars, the special tokens). Throws IoError naming a
  // missing or unreadable file, FormatError naming a bad field, and
  // FormatError when a special token is not in the vocabulary.
  static WordPieceTokenizer load(const std::filesystem::path& dir);

  // `vocab[i]` is token i; `source` names where it came from, for messages.
  WordPieceTokenizer(std::vector<std::string> vocab, WordPieceConfig config, std::string source);

  // The wordpieces of `text` (UTF-8; invalid bytes count as U+FFFD) without
  // [CLS]/[SEP], in order. Special tokens written in the text ("[SEP]") are
  // matched as themselves, as HF's added-token matching does. Thread-safe.
  std::vector<WordPiece> tokenize(std::string_view text) const;

  // [CLS] ids [SEP] for `text`, the wordpieces cut to `max_tokens` first
  // (HF's truncation to max_length = max_tokens + 2).
  std::vector<int64_t> encode(std::string_view text, int64_t max_tokens) const;

  int64_t vocab_size() const { return static_cast<int64_t>(vocab_.size()); }
  // The id of `token`, or -1 when it is not in the vocabulary.
  int64_t token_id(const std::string& token) const;
  const std::string& token(int64_t id) const { return vocab_.at(static_cast<std::size_t>(id)); }
  int64_t cls_id() const { return cls_id_; }
  int64_t sep_id() const { return sep_id_; }
  int64_t pad_id() const { return pad_id_; }
  int64_t unk_id() const { return unk_id_; }
  const WordPieceConfig& config() const { return config_; }

 private:
  struct Char {  // one code point after normalisation, with its source bytes
    char32_t cp;
    std::size_t begin, end;
  };
  void normalize(std::string_view text, std::size_t offset, std::vector<Char>& out) const;
  void tokenize_plain(std::string_view text, std::size_t offset, std::vector<WordPiece>& out) const;
  void word_pieces(const std::vector<Char>& word, std::vector<WordPiece>& out) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int64_t> ids_;
  WordPieceConfig config_;
  std::string source_;
  std::vector<std::string> specials_;  // matched verbatim in the raw text, longest first
  int64_t cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, unk_id_ = -1;
};

}  // namespace lorag::rag::encoder
