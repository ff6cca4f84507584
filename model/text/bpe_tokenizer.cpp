// SPDX-License-Identifier: Apache-2.0
// tokenizer.json BPE tokenizers (model/text), after `tokenizers`' tokenizer/mod.rs.
#include "model/text/bpe_tokenizer.h"

#include "model/core/error.h"
#include "model/core/json_limits.h"

namespace lorag::model::text {

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

void BpeTokenizer::encode_segment(const TextSegment& segment, bool parse_special, std::vector<int64_t>& out) const {
  const std::string normalized = normalizer_->apply(std::string(segment.text));
  std::vector<TextSegment> segments;
  if (added_.has_normalized()) segments = added_.split(normalized, true, segment.at_start, parse_special);
  else if (!normalized.empty()) segments.push_back({normalized, -1, segment.at_start});
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

}  // namespace lorag::model::text
