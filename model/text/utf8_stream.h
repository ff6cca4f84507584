// SPDX-License-Identifier: Apache-2.0
// Incremental detokenization for streaming generation (model/text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/text/tokenizer.h"

namespace lorag::model::text {

// Turns generated ids into text as they arrive, so that the concatenation of
// every `push` and the final `flush` equals `tokenizer.decode(all_ids,
// skip_special)` byte for byte. It decodes a short window of recent ids (as
// text-generation-inference does), so context-dependent rules such as
// sentencepiece's leading-space strip and byte-fallback sequences split over
// several tokens come out exactly as a full decode; an incomplete trailing
// UTF-8 sequence is held back until it completes.
// Holds a reference to `tokenizer`, which must outlive it. Not thread-safe.
class Utf8StreamDecoder {
 public:
  explicit Utf8StreamDecoder(const Tokenizer& tokenizer, bool skip_special = true);

  // Adds one id; returns the text it completes (often "", never a partial character).
  std::string push(int64_t id);
  // Returns whatever is still held back (a truncated sequence becomes U+FFFD).
  // The decoder can keep going afterwards.
  std::string flush();
  // Forgets every id, to start a new sequence.
  void reset();
  // Every id pushed since the last reset.
  const std::vector<int64_t>& ids() const { return ids_; }

 private:
  std::string decode_range(std::size_t begin, std::size_t end) const;

  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::vector<int64_t> ids_;
  std::size_t prefix_ = 0;  // window start: ids before it never affect new text
  std::size_t read_ = 0;    // ids before it have been emitted
};

}  // namespace lorag::model::text
