// SPDX-License-Identifier: Apache-2.0
// A tokenizer that spells every id as "<id>", so generation tests on the tiny
// fixtures need no real vocabulary (tests/infer).
#pragma once

#include <string>
#include <vector>

#include "model/text/tokenizer.h"

namespace lorag::test {

class IdTokenizer : public model::text::Tokenizer {
 public:
  explicit IdTokenizer(int64_t vocab) : vocab_(vocab) { special_.eos_ids = {2}; special_.pad_id = 0; }
  std::vector<int64_t> encode(std::string_view, bool) const override { return {}; }
  std::string decode(const std::vector<int64_t>& ids, bool skip) const override { return decode_bytes(ids, skip); }
  std::string decode_bytes(const std::vector<int64_t>& ids, bool) const override {
    std::string out;
    for (auto id : ids) out += "<" + std::to_string(id) + ">";
    return out;
  }
  int64_t vocab_size() const override { return vocab_; }
  std::optional<int64_t> token_to_id(std::string_view) const override { return std::nullopt; }
  std::string id_to_token(int64_t id) const override { return "<" + std::to_string(id) + ">"; }
  bool is_special(int64_t) const override { return false; }
  const model::text::SpecialTokens& special_tokens() const override { return special_; }
  std::string kind() const override { return "ids"; }

 private:
  int64_t vocab_;
  model::text::SpecialTokens special_;
};

}  // namespace lorag::test
