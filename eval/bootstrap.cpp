// SPDX-License-Identifier: Apache-2.0
// Percentile bootstrap and paired permutation test (eval/).
#include "eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "model/core/error.h"
#include "model/core/quantile.h"

namespace lorag::eval {
namespace {

double mean_of(std::span<const double> v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? std::numeric_limits<double>::quiet_NaN() : sum / v.size();
}

// Percentile interval of the means of `resamples` bootstrap samples of `values`.
std::pair<double, double> percentile_interval(std::span<const double> values, int64_t resamples,
                                              double confidence, uint64_t seed) {
  const std::size_t n = values.size();
  std::mt19937_64 rng(seed);
  std::vector<double> means(static_cast<std::size_t>(resamples));
  for (auto& m : means) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += values[rng() % n];
    m = sum / n;
  }
  std::sort(means.begin(), means.end());
  const double tail = (1 - confidence) / 2;
  return {quantile_of_sorted(means, tail), quantile_of_sorted(means, 1 - tail)};
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Two-sided sign-flip p-value for the differences `d`.
std::pair<double, bool> sign_flip_p(const std::vector<double>& d, int64_t permutations, uint64_t seed) {
  const std::size_t n = d.size();
  double observed = 0, scale = 0;
  for (double x : d) {
    observed += x;
    scale += std::fabs(x);
  }
  // Sums of the same terms in another order may differ in the last bits; a
  // pattern "reaches" the observed sum within that rounding.
  const double threshold = std::fabs(observed) - 1e-9 * scale;
  if (n <= kExactSignFlipMaxN || (n < 63 && (uint64_t{1} << n) <= static_cast<uint64_t>(permutations))) {
    uint64_t hits = 0;
    const uint64_t patterns = uint64_t{1} << n;
    for (uint64_t mask = 0; mask < patterns; ++mask) {
      double s = 0;
      for (std::size_t i = 0; i < n; ++i) s += (mask >> i & 1) ? -d[i] : d[i];
      hits += std::fabs(s) >= threshold;
    }
    return {static_cast<double>(hits) / patterns, true};
  }
  std::mt19937_64 rng(seed);
  int64_t hits = 0;
  for (int64_t p = 0; p < permutations; ++p) {
    double s = 0;
    uint64_t bits = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (i % 64 == 0) bits = rng();
      s += (bits & 1) ? -d[i] : d[i];
      bits >>= 1;
    }
    hits += std::fabs(s) >= threshold;
  }
  return {static_cast<double>(1 + hits) / static_cast<double>(1 + permutations), false};
}

}  // namespace

MeanCi bootstrap_mean_ci(std::span<const double> values, int64_t resamples, double confidence, uint64_t seed) {
  LORAG_ASSERT(resamples > 0 && confidence > 0 && confidence < 1);
  MeanCi out;
  out.n = values.size();
  out.mean = mean_of(values);
  if (values.size() <= 1) {
    out.low = out.high = out.mean;
    return out;
  }
  std::tie(out.low, out.high) = percentile_interval(values, resamples, confidence, seed);
  return out;
}

PairedTest paired_test(std::span<const double> a, std::span<const double> b, int64_t resamples,
                       int64_t permutations, double confidence, double alpha, uint64_t seed) {
  LORAG_ASSERT(a.size() == b.size(), "paired samples differ in size");
  LORAG_ASSERT(permutations > 0);
  PairedTest out;
  out.n = a.size();
  if (out.n == 0) return out;
  std::vector<double> d(out.n);
  for (std::size_t i = 0; i < out.n; ++i) d[i] = a[i] - b[i];
  const MeanCi diff = bootstrap_mean_ci(d, resamples, confidence, seed);
  out.mean_diff = diff.mean;
  out.diff_low = diff.low;
  out.diff_high = diff.high;
  std::tie(out.p_value, out.exact) = sign_flip_p(d, permutations, splitmix64(seed));
  out.significant = out.p_value < alpha;
  return out;
}

uint64_t derive_seed(uint64_t seed, std::string_view a, std::string_view b, std::string_view c) {
  // FNV-1a over the names (with separators), mixed with the seed by splitmix64.
  uint64_t h = 0xCBF29CE484222325ull;
  for (std::string_view part : {a, b, c}) {
    for (unsigned char ch : part) h = (h ^ ch) * 0x100000001B3ull;
    h = (h ^ 0xFF) * 0x100000001B3ull;
  }
  return splitmix64(seed ^ splitmix64(h));
}

}  // namespace lorag::eval
