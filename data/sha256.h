// SPDX-License-Identifier: Apache-2.0
// SHA-256 (FIPS 180-4) for the token cache keys (data/).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lorag::data {

// Incremental SHA-256. Not thread-safe; cheap to create.
class Sha256 {
 public:
  Sha256();
  // Feeds bytes; may be called any number of times before `hex_digest`.
  Sha256& update(std::string_view bytes);
  // Feeds a length-prefixed field, so ("ab","c") and ("a","bc") hash differently.
  Sha256& field(std::string_view bytes);
  // The 64-character lowercase hex digest. Ends the hash: call once.
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// SHA-256 of `bytes` as hex, e.g. sha256_hex("abc") == "ba7816bf...".
std::string sha256_hex(std::string_view bytes);

}  // namespace lorag::data
