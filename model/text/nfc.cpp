// SPDX-License-Identifier: Apache-2.0
// Unicode NFC (model/text), after UAX #15.
#include "model/text/nfc.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/text/utf8.h"

namespace lorag::model::text {
namespace {

struct Decomposition { uint32_t cp, first, second; };  // second == 0: a singleton
struct CombiningRange { uint32_t first, last; uint8_t ccc; };
struct Composition { uint32_t first, second, composite; };
#include "model/text/nfc_tables.inc"

// Hangul syllables decompose and compose arithmetically (Unicode ch. 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

uint8_t ccc(uint32_t cp) {
  const auto* end = std::end(kCombining);
  const auto* it = std::upper_bound(std::begin(kCombining), end, cp,
                                    [](uint32_t c, const CombiningRange& r) { return c < r.first; });
  if (it == std::begin(kCombining)) return 0;
  --it;
  return cp <= it->last ? it->ccc : 0;
}

void decompose(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  const auto* end = std::end(kDecompositions);
  const auto* it = std::lower_bound(std::begin(kDecompositions), end, cp,
                                    [](const Decomposition& d, uint32_t c) { return d.cp < c; });
  if (it == end || it->cp != cp) {
    out.push_back(cp);
    return;
  }
  decompose(it->first, out);
  if (it->second != 0) decompose(it->second, out);
}

// The primary composite of `a` + `b`, or 0.
uint32_t compose(uint32_t a, uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const auto* end = std::end(kCompositions);
  const auto* it = std::lower_bound(std::begin(kCompositions), end, std::make_pair(a, b),
                                    [](const Composition& c, const std::pair<uint32_t, uint32_t>& k) {
                                      return c.first != k.first ? c.first < k.first : c.second < k.second;
                                    });
  return it != end && it->first == a && it->second == b ? it->composite : 0;
}

}  // namespace

void canonical_decompose(uint32_t cp, std::vector<uint32_t>& out) { decompose(cp, out); }

std::string to_nfc(std::string_view text) {
  // U+0300 is the first code point NFC can change; its lead byte is 0xCC.
  if (std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0xCC; })) {
    return std::string(text);
  }
  std::vector<uint32_t> cps;
  cps.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const long cp = utf8::next(text, pos);
    decompose(cp < 0 ? 0xFFFD : static_cast<uint32_t>(cp), cps);
  }
  // Canonical ordering: stable-sort each run of non-starters by class.
  for (std::size_t i = 0; i < cps.size();) {
    if (ccc(cps[i]) == 0) { ++i; continue; }
    std::size_t j = i;
    while (j < cps.size() && ccc(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + i, cps.begin() + j, [](uint32_t a, uint32_t b) { return ccc(a) < ccc(b); });
    i = j;
  }
  // Canonical composition: a character joins the last starter unless blocked.
  std::vector<uint32_t> out;
  out.reserve(cps.size());
  std::ptrdiff_t starter = -1;
  for (uint32_t c : cps) {
    const uint8_t cc = ccc(c);
    if (starter >= 0) {
      const bool adjacent = static_cast<std::size_t>(starter) + 1 == out.size();
      const uint8_t last = ccc(out.back());
      if (adjacent || (last != 0 && last < cc)) {
        if (const uint32_t composite = compose(out[starter], c); composite != 0) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (cc == 0) starter = static_cast<std::ptrdiff_t>(out.size());
    out.push_back(c);
  }
  std::string result;
  result.reserve(text.size());
  for (uint32_t c : out) utf8::append(result, c);
  return result;
}

}  // namespace lorag::model::text
