// SPDX-License-Identifier: Apache-2.0
// tokenizer.json BPE tokenizers (model/text), after `tokenizers`' tokenizer/mod.rs.
#include "model/text/bpe_tokenizer.h"

#include "model/core/error.h"
#include "model/text/utf8.h"

namespace lorag::text {

std::unique_ptr<BpeTokenizer> BpeTokenizer::load(const std::filesystem::path& path) {
  return std::make_unique<BpeTokenizer>(read_json_file(path), path.string());
}

BpeTokenizer::BpeTokenizer(const nlohmann::json& spec, const std::string& file) {
  using VT = nlohmann::json::value_t;
  const JsonPlace root{file, ""};
  LORAG_CHECK(spec.is_object(), FormatError, file, ": top level is ", spec.type_name(), ", expected an object");
  const auto& model = json_field(spec, "model", root, VT::object);
  // Files written by old `tokenizers` versions omit model.type; BPE was the default then.
  const std::string type = json_string_or(model, "type", root.child("model"), "BPE");
  LORAG_CHECK(type == "BPE", FormatError, root.child("model.type").describe(), " is '", type,
              "', expected 'BPE' (only BPE tokenizer.json models are supported)");
  model_ = std::make_unique<BpeModel>(model, root.child("model"));
  normalizer_ = std::make_unique<Normalizer>(spec.value("normalizer", nlohmann::json()), root.child("normalizer"));
  pre_tokenizer_ = std::make_unique<PreTokenizer>(spec.value("pre_tokenizer", nlohmann::json()),
                                                  root.child("pre_tokenizer"));
  decoder_ = std::make_unique<Decoder>(spec.value("decoder", nlohmann::json()), root.child("decoder"));
  if (spec.contains("added_tokens") && !spec["added_tokens"].is_null()) {
    read_added_tokens(json_field(spec, "added_tokens", root, VT::array), root.child("added_tokens"));
  }
  read_post_processor(spec.value("post_processor", nlohmann::json()), root.child("post_processor"));
}

void BpeTokenizer::read_added_tokens(const nlohmann::json& list, const JsonPlace& place) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const JsonPlace p = place.index(i);
    AddedToken t;
    t.id = json_field(list[i], "id", p, nlohmann::json::value_t::number_integer).get<int64_t>();
    t.content = json_field(list[i], "content", p, nlohmann::json::value_t::string).get<std::string>();
    t.special = json_bool_or(list[i], "special", p, false);
    t.lstrip = json_bool_or(list[i], "lstrip", p, false);
    t.rstrip = json_bool_or(list[i], "rstrip", p, false);
    t.single_word = json_bool_or(list[i], "single_word", p, false);
    t.normalized = json_bool_or(list[i], "normalized", p, !t.special);
    added_.add(std::move(t));
  }
}

void BpeTokenizer::read_post_processor(const nlohmann::json& spec, const JsonPlace& place) {
  if (!spec.is_object()) return;
  const std::string type = json_string_or(spec, "type", place, "");
  if (type == "Sequence") {
    const auto& list = json_field(spec, "processors", place, nlohmann::json::value_t::array);
    for (std::size_t i = 0; i < list.size(); ++i) read_post_processor(list[i], place.child("processors").index(i));
    return;
  }
  if (type != "TemplateProcessing") return;  // ByteLevel only fixes offsets
  const auto& single = json_field(spec, "single", place, nlohmann::json::value_t::array);
  const auto& specials = spec.value("special_tokens", nlohmann::json::object());
  auto id_of = [&](const nlohmann::json& item) -> int64_t {
    if (!item.contains("SpecialToken")) return -1;
    const std::string name = item["SpecialToken"].value("id", "");
    if (specials.contains(name) && !specials[name].value("ids", nlohmann::json::array()).empty()) {
      return specials[name]["ids"][0].get<int64_t>();
    }
    if (auto id = token_to_id(name)) return *id;
    LORAG_FAIL(FormatError, place.child("single").describe(), ": special token '", name, "' has no id");
  };
  if (!single.empty()) {
    template_bos_ = id_of(single.front());
    if (single.size() > 1) template_eos_ = id_of(single.back());
  }
}

void BpeTokenizer::encode_plain(std::string_view text, bool at_start, bool parse_special,
                                std::vector<int64_t>& out) const {
  const std::string normalized = normalizer_->apply(std::string(text));
  std::vector<TextSegment> segments;
  if (added_.has_normalized()) segments = added_.split(normalized, true, at_start, parse_special);
  else if (!normalized.empty()) segments.push_back({normalized, -1, at_start});
  for (const TextSegment& seg : segments) {
    if (seg.id >= 0) {
      out.push_back(seg.id);
      continue;
    }
    for (const PreToken& word : pre_tokenizer_->split({std::string(seg.text), seg.at_start})) {
      model_->tokenize(word.text, out);
    }
  }
}

std::vector<int64_t> BpeTokenizer::encode_with(std::string_view text, bool add_special, bool parse_special) const {
  // `tokenizers` only takes Rust strings; repair bad UTF-8 the way Python would
  // have refused it, so the regexes see valid input.
  std::string repaired;
  if (!utf8::is_valid(text)) {
    repaired = utf8::repair(text);
    text = repaired;
  }
  std::vector<int64_t> ids;
  if (add_special && special_.add_bos && special_.bos_id >= 0) ids.push_back(special_.bos_id);
  for (const TextSegment& seg : added_.split(text, false, true, parse_special)) {
    if (seg.id >= 0) ids.push_back(seg.id);
    else encode_plain(seg.text, seg.at_start, parse_special, ids);
  }
  if (add_special && special_.add_eos && !special_.eos_ids.empty()) {
    const int64_t eos = special_.eos_token.empty() ? special_.eos_ids.front()
                                                   : token_to_id(special_.eos_token).value_or(special_.eos_ids.front());
    ids.push_back(eos);
  }
  return ids;
}

std::vector<std::string> BpeTokenizer::tokens_of(const std::vector<int64_t>& ids, bool skip_special) const {
  return added_.pieces_of(ids, skip_special, model_->size(), [this](int64_t id) { return model_->id_to_token(id); });
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special) const {
  return decoder_->decode(tokens_of(ids, skip_special));
}

std::string BpeTokenizer::decode_bytes(const std::vector<int64_t>& ids, bool skip_special) const {
  return decoder_->decode_bytes(tokens_of(ids, skip_special));
}

int64_t BpeTokenizer::vocab_size() const { return added_.vocab_size_with(model_->size()); }

std::optional<int64_t> BpeTokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* t = added_.find_content(token)) return t->id;
  return model_->token_to_id(token);
}

std::string BpeTokenizer::id_to_token(int64_t id) const {
  if (const AddedToken* t = added_.find_id(id)) return t->content;
  return model_->id_to_token(id);
}

bool BpeTokenizer::is_special(int64_t id) const {
  const AddedToken* t = added_.find_id(id);
  return t != nullptr && t->special;
}

}  // namespace lorag::text
