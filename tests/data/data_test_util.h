// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the data/ tests: writing JSONL files, loading the tiny tokenizers.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "model/text/chat_template.h"
#include "model/text/tokenizer.h"
#include "tests/test_util.h"

namespace lorag::test {

// Writes `lines` joined by "\n" (a trailing newline after the last) to dir/name.
inline std::filesystem::path write_lines(const std::filesystem::path& dir, const std::string& name,
                                         const std::vector<std::string>& lines) {
  const auto path = dir / name;
  std::ofstream out(path, std::ios::binary);
  for (const auto& line : lines) out << line << "\n";
  return path;
}

// The tokenizer folders scripts/fixtures/data_masks.py writes: "tiny_bpe" or "tiny_sp".
inline std::unique_ptr<model::text::Tokenizer> data_tokenizer(const std::string& name) {
  return model::text::load_tokenizer(fixture("data/" + name));
}

inline std::optional<model::text::ChatTemplate> data_template(const std::string& name) {
  return model::text::ChatTemplate::from_model_dir(fixture("data/" + name));
}

}  // namespace lorag::test
