// SPDX-License-Identifier: Apache-2.0
// `load_tokenizer` (model/text): picks sentencepiece or tokenizer.json BPE for a
// model folder and resolves its special tokens from the config files the way
// transformers does.
#include <algorithm>

#include "model/core/error.h"
#include "model/core/json_limits.h"
#include "model/core/log.h"
#include "model/text/bpe_tokenizer.h"
#include "model/text/json_field.h"
#include "model/text/sentencepiece_tokenizer.h"
#include "model/text/tokenizer.h"

namespace lorag::model::text {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// The JSON file when it exists, else an empty object.
json read_optional(const fs::path& path) {
  return fs::exists(path) ? read_json_file(path) : json::object();
}

// A special token given as "<s>" or as an AddedToken dict {"content": "<s>", ...}.
std::string token_text(const json& value, const JsonPlace& place) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object()) return json_field(value, "content", place, json::value_t::string).get<std::string>();
  LORAG_CHECK(value.is_null(), FormatError, place.describe(), " is ", value.type_name(),
              ", expected a string or an AddedToken object");
  return "";
}

// The configs that say which tokens are special, read once.
struct ConfigFiles {
  json tokenizer_config, special_map, generation_config, model_config;
  fs::path tokenizer_config_path, special_map_path;

  explicit ConfigFiles(const fs::path& dir)
      : tokenizer_config(read_optional(dir / "tokenizer_config.json")),
        special_map(read_optional(dir / "special_tokens_map.json")),
        generation_config(read_optional(dir / "generation_config.json")),
        model_config(read_optional(dir / "config.json")),
        tokenizer_config_path(dir / "tokenizer_config.json"),
        special_map_path(dir / "special_tokens_map.json") {}

  // tokenizer_config.json wins over special_tokens_map.json; `fallback` when neither names one.
  std::string token(const std::string& key, const std::string& fallback) const {
    if (tokenizer_config.contains(key)) {
      return token_text(tokenizer_config[key], {tokenizer_config_path.string(), key});
    }
    if (special_map.contains(key)) return token_text(special_map[key], {special_map_path.string(), key});
    return fallback;
  }
};

// `eos_token_id` of generation_config.json / config.json: an int or a list.
void add_ids(const json& config, const std::string& key, const std::string& file, std::vector<int64_t>& out) {
  if (!config.is_object() || !config.contains(key) || config[key].is_null()) return;
  const json& v = config[key];
  if (v.is_number_integer()) {
    out.push_back(v.get<int64_t>());
    return;
  }
  LORAG_CHECK(v.is_array(), FormatError, file, ": field '", key, "' is ", v.type_name(), ", expected int or list");
  for (const json& x : v) {
    LORAG_CHECK(x.is_number_integer(), FormatError, file, ": field '", key, "' holds ", x.dump(), ", expected ints");
    out.push_back(x.get<int64_t>());
  }
}

SpecialTokens resolve(const Tokenizer& tok, const ConfigFiles& cfg, const fs::path& dir, bool default_add_bos,
                      bool default_add_eos, const std::string& default_bos, const std::string& default_eos) {
  SpecialTokens s;
  s.bos_token = cfg.token("bos_token", default_bos);
  s.eos_token = cfg.token("eos_token", default_eos);
  auto id_of = [&](const std::string& t) -> int64_t { return t.empty() ? -1 : tok.token_to_id(t).value_or(-1); };
  s.bos_id = id_of(s.bos_token);
  s.pad_id = id_of(cfg.token("pad_token", ""));
  const JsonPlace tc{cfg.tokenizer_config_path.string(), ""};
  s.add_bos = json_bool_or(cfg.tokenizer_config, "add_bos_token", tc, default_add_bos);
  s.add_eos = json_bool_or(cfg.tokenizer_config, "add_eos_token", tc, default_add_eos);
  if (const int64_t eos = id_of(s.eos_token); eos >= 0) s.eos_ids.push_back(eos);
  add_ids(cfg.generation_config, "eos_token_id", (dir / "generation_config.json").string(), s.eos_ids);
  add_ids(cfg.model_config, "eos_token_id", (dir / "config.json").string(), s.eos_ids);
  std::vector<int64_t> unique;
  for (int64_t id : s.eos_ids) {
    if (id >= 0 && std::find(unique.begin(), unique.end(), id) == unique.end()) unique.push_back(id);
  }
  s.eos_ids = std::move(unique);
  if (s.eos_token.empty() && !s.eos_ids.empty()) s.eos_token = tok.id_to_token(s.eos_ids.front());
  return s;
}

std::unique_ptr<Tokenizer> load_sentencepiece(const fs::path& dir, const ConfigFiles& cfg) {
  const JsonPlace tc{cfg.tokenizer_config_path.string(), ""};
  SentencePieceOptions options;
  options.legacy = json_bool_or(cfg.tokenizer_config, "legacy", tc, false);
  options.add_prefix_space = json_bool_or(cfg.tokenizer_config, "add_prefix_space", tc, true);
  auto tok = SentencePieceTokenizer::load(dir / "tokenizer.model", options);
  if (cfg.tokenizer_config.contains("added_tokens_decoder")) {
    const JsonPlace place = tc.child("added_tokens_decoder");
    const json& added = json_field(cfg.tokenizer_config, "added_tokens_decoder", tc, json::value_t::object);
    for (const auto& [key, value] : added.items()) {
      AddedToken t;
      try {
        t.id = std::stoll(key);
      } catch (const std::exception&) {
        LORAG_FAIL(FormatError, place.describe(), ": key '", key, "' is not a token id");
      }
      const JsonPlace p = place.child(key);
      t.content = json_field(value, "content", p, json::value_t::string).get<std::string>();
      t.special = json_bool_or(value, "special", p, false);
      t.lstrip = json_bool_or(value, "lstrip", p, false);
      t.rstrip = json_bool_or(value, "rstrip", p, false);
      t.single_word = json_bool_or(value, "single_word", p, false);
      // Added tokens of a sentencepiece model are matched in the raw text.
      t.normalized = false;
      tok->add_token(std::move(t));
    }
  }
  // LlamaTokenizer's defaults: bos "<s>", eos "</s>", add_bos_token true.
  tok->set_special_tokens(resolve(*tok, cfg, dir, true, false, "<s>", "</s>"));
  return tok;
}

std::unique_ptr<Tokenizer> load_bpe(const fs::path& dir, const ConfigFiles& cfg) {
  auto tok = BpeTokenizer::load(dir / "tokenizer.json");
  SpecialTokens s = resolve(*tok, cfg, dir, tok->template_bos_id() >= 0, tok->template_eos_id() >= 0, "", "");
  // The post-processor's bos is the one actually prepended.
  if (s.add_bos && tok->template_bos_id() >= 0) s.bos_id = tok->template_bos_id();
  tok->set_special_tokens(std::move(s));
  return tok;
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir) {
  LORAG_CHECK(fs::is_directory(model_dir), IoError, model_dir.string(), ": not a directory (expected a model folder)");
  const bool has_sp = fs::exists(model_dir / "tokenizer.model");
  const bool has_json = fs::exists(model_dir / "tokenizer.json");
  LORAG_CHECK(has_sp || has_json, IoError, model_dir.string(),
              ": no tokenizer.model or tokenizer.json (hint: copy the tokenizer files next to config.json)");
  const ConfigFiles cfg(model_dir);
  if (has_sp) {
    try {
      return load_sentencepiece(model_dir, cfg);
    } catch (const FormatError& e) {
      // Some repos ship a tiktoken-format tokenizer.model next to tokenizer.json.
      if (!has_json) throw;
      log::warn(e.what(), "; using tokenizer.json instead");
    }
  }
  return load_bpe(model_dir, cfg);
}

}  // namespace lorag::model::text
