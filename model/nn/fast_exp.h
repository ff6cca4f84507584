// SPDX-License-Identifier: Apache-2.0
// A branch-free e^x for the fused CPU decode loops (model/nn): glibc's expf does not
// vectorize without -ffast-math, and a SmolLM2 token takes ~100k of them (softmax
// over the cache, SiLU), ~0.5 ms through the scalar call.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace lorag::model::nn {

// Cephes' expf: x = n·ln2 + r, a degree-6 polynomial in r, 2^n through the exponent
// bits; within 2 ulp of std::exp on [-87, 88]. x is clamped to that range (e^-87 ≈
// 1.6e-38 is still a normal float; e^88 ≈ 1.7e38 still finite), so the result is
// never 0, inf or NaN for finite x.
[[gnu::always_inline]] inline float fast_exp(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  // n ≤ 127 after the clamp: for x = 88, n = 127 and 2^127 is the largest power.
  const auto bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23;
  return y * std::bit_cast<float>(bits);
}

}  // namespace lorag::model::nn
