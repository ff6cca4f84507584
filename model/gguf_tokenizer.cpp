// SPDX-License-Identifier: Apache-2.0
// GGUF tokenizer metadata -> tokenizer.json (model/), after transformers'
// integrations/gguf/gguf_tokenizer_mapping.py and llama.cpp's llama-vocab.cpp.
#include "model/gguf_tokenizer.h"

#include <algorithm>
#include <map>
#include <set>

#include "model/core/error.h"
#include "model/core/log.h"
#include "model/text/bpe_tokenizer.h"
#include "model/text/byte_level.h"
#include "model/text/llama_cpp_pre.h"
#include "model/text/utf8.h"

namespace lorag::model {
namespace {
using formats::GgufFile;
using formats::GgufMetadata;
using nlohmann::json;

constexpr int kTokenControl = 3;      // llama_token_type LLAMA_TOKEN_TYPE_CONTROL
constexpr int kTokenUserDefined = 4;  // LLAMA_TOKEN_TYPE_USER_DEFINED

// The pre-tokenizer llama.cpp runs for `tokenizer.ggml.pre` (model/text/llama_cpp_pre.h).
// llama.cpp falls back to "default" with a warning for a name it does not know;
// lorag refuses it, since the ids would silently differ from the model's training.
model::text::LlamaCppPre gpt2_pre_tokenizer(const std::string& pre, const std::string& file) {
  auto found = model::text::llama_cpp_pre_tokenizer(pre);
  if (!found) {
    std::string names;
    for (const auto& n : model::text::llama_cpp_pre_names()) names += (names.empty() ? "" : ", ") + n;
    LORAG_FAIL(FormatError, file, ": tokenizer.ggml.pre '", pre,
               "' is not a pre-tokenizer lorag knows (llama.cpp's names: ", names, ")");
  }
  return *found;
}

// A byte-level vocabulary spells every byte with GPT-2's printable characters;
// transformers re-spells tokens stored raw (true for the token iff it round trips).
bool in_byte_alphabet(const std::string& token) {
  std::string bytes;
  model::text::byte_level::decode_token(token, bytes);
  return model::text::byte_level::encode(bytes) == token;
}

// "a b" -> ["a", "b"], splitting at the first space after the first byte as llama.cpp does.
json merge_pairs(const std::vector<std::string>& merges, const std::string& file) {
  json out = json::array();
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const auto space = merges[i].find(' ', 1);
    LORAG_CHECK(space != std::string::npos, FormatError, file, ": tokenizer.ggml.merges[", i, "] is '", merges[i],
                "', expected two tokens separated by a space");
    out.push_back({merges[i].substr(0, space), merges[i].substr(space + 1)});
  }
  return out;
}

// Byte offsets of every code point start in `s`, plus s.size() (Python slices by code point).
std::vector<std::size_t> char_boundaries(const std::string& s) {
  std::vector<std::size_t> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    out.push_back(pos);
    model::text::utf8::next(s, pos);
  }
  out.push_back(s.size());
  return out;
}

// transformers' `generate_merges(vocab, scores)`: every split of a token into two
// vocabulary tokens, best score first, ties by shorter left then right part.
json merges_from_scores(const std::vector<std::string>& tokens, const std::vector<float>& scores) {
  std::map<std::string, int64_t> vocab;
  for (std::size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = static_cast<int64_t>(i);
  struct Merge { std::string left, right; float score; };
  std::vector<Merge> merges;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    const auto cps = char_boundaries(tokens[t]);
    std::vector<Merge> local;
    for (std::size_t k = 1; k + 1 < cps.size(); ++k) {
      std::string l = tokens[t].substr(0, cps[k]), r = tokens[t].substr(cps[k]);
      if (vocab.count(l) && vocab.count(r)) local.push_back({std::move(l), std::move(r), scores[t]});
    }
    std::stable_sort(local.begin(), local.end(), [&](const Merge& a, const Merge& b) {
      return std::pair(vocab[a.left], vocab[a.right]) < std::pair(vocab[b.left], vocab[b.right]);
    });
    merges.insert(merges.end(), local.begin(), local.end());
  }
  // Python's sorted(..., reverse=True) is stable and keeps equal keys in order.
  std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    return std::tuple(a.score, a.left.size(), a.right.size()) > std::tuple(b.score, b.left.size(), b.right.size());
  });
  json out = json::array();
  for (const auto& m : merges) out.push_back({m.left, m.right});
  return out;
}

int64_t token_id_or(const GgufMetadata& m, const char* key) { return m.get_i64_or(key, -1); }

json added_tokens(const std::vector<std::string>& tokens, const std::vector<std::int32_t>& types, bool byte_level) {
  json out = json::array();
  for (std::size_t i = 0; i < tokens.size() && i < types.size(); ++i) {
    const bool control = types[i] == kTokenControl, user = types[i] == kTokenUserDefined;
    if (!control && !user) continue;
    // A "control" token outside the byte alphabet is a llama.cpp mislabel transformers skips.
    if (control && byte_level && !in_byte_alphabet(tokens[i])) continue;
    out.push_back({{"id", i}, {"content", tokens[i]}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                   {"normalized", false}, {"special", control}});
  }
  return out;
}

json bos_post_processor(const std::vector<std::string>& tokens, int64_t bos) {
  const std::string& t = tokens.at(static_cast<std::size_t>(bos));
  return {{"type", "TemplateProcessing"},
          {"single", {{{"SpecialToken", {{"id", t}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"pair",
           {{{"SpecialToken", {{"id", t}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
            {{"SpecialToken", {{"id", t}, {"type_id", 1}}}},
            {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
          {"special_tokens", {{t, {{"id", t}, {"ids", {bos}}, {"tokens", {t}}}}}}};
}

bool default_add_bos(const std::string& model) { return model == "llama"; }
}  // namespace

json gguf_tokenizer_json(const GgufFile& file) {
  const GgufMetadata& m = file.metadata();
  const std::string kind = m.get_string("tokenizer.ggml.model");
  LORAG_CHECK(kind == "gpt2" || kind == "llama", FormatError, file.name(), ": tokenizer.ggml.model is '", kind,
              "', expected gpt2 (byte-level BPE) or llama (sentencepiece)");
  const auto& tokens = m.get_string_array("tokenizer.ggml.tokens");
  const auto types = m.has("tokenizer.ggml.token_type") ? m.get_i32_array("tokenizer.ggml.token_type")
                                                        : std::vector<std::int32_t>{};
  const bool byte_level = kind == "gpt2";
  json vocab = json::object();
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    vocab[byte_level && !in_byte_alphabet(t) ? model::text::byte_level::encode(t) : t] = i;
  }
  json model = {{"type", "BPE"}, {"vocab", std::move(vocab)}, {"fuse_unk", !byte_level},
                {"byte_fallback", !byte_level}, {"ignore_merges", false}};
  json spec = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"normalizer", nullptr}};
  if (m.has("tokenizer.ggml.merges")) {
    model["merges"] = merge_pairs(m.get_string_array("tokenizer.ggml.merges"), file.name());
  } else {
    LORAG_CHECK(!byte_level, FormatError, file.name(), ": metadata key 'tokenizer.ggml.merges' not found");
    model["merges"] = merges_from_scores(tokens, m.get_f32_array("tokenizer.ggml.scores"));
  }
  if (byte_level) {
    // A file without the key predates it; llama.cpp reads those as "default".
    const auto pre = gpt2_pre_tokenizer(m.get_string_or("tokenizer.ggml.pre", "default"), file.name());
    spec["pre_tokenizer"] = model::text::llama_cpp_pre_tokenizer_json(pre);
    model["ignore_merges"] = pre.ignore_merges;
    spec["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
  } else {
    // transformers' LlamaTokenizer (legacy=False): the "▁" prefix only at the start.
    const bool prefix = m.get_bool_or("tokenizer.ggml.add_space_prefix", true);
    const int64_t unk = token_id_or(m, "tokenizer.ggml.unknown_token_id");
    if (unk >= 0 && unk < static_cast<int64_t>(tokens.size())) model["unk_token"] = tokens[unk];
    spec["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"},
                             {"prepend_scheme", prefix ? "first" : "never"}, {"split", false}};
    json steps = {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                  {{"type", "ByteFallback"}},
                  {{"type", "Fuse"}}};
    if (prefix) steps.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    spec["decoder"] = {{"type", "Sequence"}, {"decoders", std::move(steps)}};
  }
  spec["added_tokens"] = added_tokens(tokens, types, byte_level);
  const int64_t bos = token_id_or(m, "tokenizer.ggml.bos_token_id");
  const bool add_bos = m.get_bool_or("tokenizer.ggml.add_bos_token", default_add_bos(kind));
  if (add_bos && bos >= 0 && bos < static_cast<int64_t>(tokens.size())) {
    spec["post_processor"] = bos_post_processor(tokens, bos);
  } else {
    spec["post_processor"] = nullptr;
  }
  spec["model"] = std::move(model);
  return spec;
}

model::text::SpecialTokens gguf_special_tokens(const GgufFile& file, const model::text::Tokenizer& tok) {
  const GgufMetadata& m = file.metadata();
  const std::string kind = m.get_string("tokenizer.ggml.model");
  model::text::SpecialTokens s;
  auto text_of = [&](int64_t id) { return id >= 0 && id < tok.vocab_size() ? tok.id_to_token(id) : std::string(); };
  s.bos_id = token_id_or(m, "tokenizer.ggml.bos_token_id");
  s.bos_token = text_of(s.bos_id);
  s.pad_id = token_id_or(m, "tokenizer.ggml.padding_token_id");
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    const int64_t id = token_id_or(m, key);
    if (id >= 0 && std::find(s.eos_ids.begin(), s.eos_ids.end(), id) == s.eos_ids.end()) s.eos_ids.push_back(id);
  }
  s.eos_token = text_of(token_id_or(m, "tokenizer.ggml.eos_token_id"));
  s.add_bos = m.get_bool_or("tokenizer.ggml.add_bos_token", default_add_bos(kind)) && s.bos_id >= 0;
  s.add_eos = m.get_bool_or("tokenizer.ggml.add_eos_token", false);
  return s;
}

std::unique_ptr<model::text::Tokenizer> load_gguf_tokenizer(const GgufFile& file) {
  auto tok = std::make_unique<model::text::BpeTokenizer>(gguf_tokenizer_json(file), file.name() + " (tokenizer.*)");
  tok->set_special_tokens(gguf_special_tokens(file, *tok));
  return tok;
}

std::string gguf_chat_template(const GgufFile& file) {
  return file.metadata().get_string_or("tokenizer.chat_template", "");
}

}  // namespace lorag::model
