// SPDX-License-Identifier: Apache-2.0
#include "data/fingerprint.h"

#include <fstream>

#include "data/sha256.h"
#include "model/core/error.h"

namespace lorag::data {

std::string file_sha256(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  LORAG_CHECK(in.good(), IoError, path.string(), ": cannot open");
  Sha256 hash;
  std::string chunk(1 << 20, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    hash.update(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
  }
  LORAG_CHECK(in.eof(), IoError, path.string(), ": read failed");
  return hash.hex_digest();
}

std::string tokenizer_fingerprint(const model::text::Tokenizer& tokenizer) {
  Sha256 hash;
  const auto& sp = tokenizer.special_tokens();
  hash.field(tokenizer.kind()).field(std::to_string(tokenizer.vocab_size()));
  hash.field(std::to_string(sp.bos_id)).field(std::to_string(sp.pad_id)).field(sp.bos_token).field(sp.eos_token);
  hash.field(std::to_string(sp.add_bos)).field(std::to_string(sp.add_eos));
  for (int64_t id : sp.eos_ids) hash.field(std::to_string(id));
  for (int64_t id = 0; id < tokenizer.vocab_size(); ++id) {
    hash.field(tokenizer.id_to_token(id)).field(tokenizer.is_special(id) ? "s" : "n");
  }
  static const char* const kProbes[] = {
      "Hello world! The quick brown fox, 1234567.", "  leading and trailing  \n\n\tspaces ",
      "Café naïve e\u0301 日本語 😀", "def f(a, b):\n    return a+b\n", "I'm sure they're here; WE'LL GO"};
  for (const char* probe : kProbes) {
    for (int64_t id : tokenizer.encode(probe, /*add_special=*/true)) hash.field(std::to_string(id));
    hash.field("|");
  }
  return hash.hex_digest();
}

}  // namespace lorag::data
