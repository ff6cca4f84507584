// SPDX-License-Identifier: Apache-2.0
// Resampling statistics for per-question scores (eval/, torch-free): the
// seeded percentile bootstrap CI of a mean, and the paired test between two
// systems on the same questions. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace lorag::eval {

// A mean with its percentile-bootstrap confidence interval.
struct MeanCi {
  std::size_t n = 0;  // values averaged, e.g. 50
  double mean = 0;    // NaN when n == 0
  double low = 0;     // lower CI bound (NaN when n == 0; == mean when n == 1)
  double high = 0;    // upper CI bound
};

// Mean of `values` and its percentile bootstrap CI: `resamples` means of n values
// drawn with replacement (std::mt19937_64 seeded with `seed`, index = draw mod n),
// cut at the (1-confidence)/2 and (1+confidence)/2 quantiles with linear
// interpolation (numpy's default). Same inputs and seed, same interval.
MeanCi bootstrap_mean_ci(std::span<const double> values, int64_t resamples, double confidence, uint64_t seed);

// Paired comparison of system A and B on the same questions: d_i = a_i - b_i.
struct PairedTest {
  std::size_t n = 0;        // paired questions, e.g. 50
  double mean_diff = 0;     // mean of d (A - B)
  double diff_low = 0;      // paired percentile bootstrap CI of mean_diff
  double diff_high = 0;
  double p_value = 1;       // two-sided, paired sign-flip permutation test
  bool exact = false;       // p_value enumerated over all 2^n sign patterns
  bool significant = false; // p_value < alpha
};

// Up to this many pairs the sign-flip test enumerates every pattern (2^16 sums).
inline constexpr std::size_t kExactSignFlipMaxN = 16;

// Two-sided paired permutation (sign-flip) test of "mean d = 0": under the null
// hypothesis each d_i is as likely to be -d_i, so p is the share of sign
// patterns whose |sum| reaches the observed |sum|. Enumerates all 2^n patterns
// when n <= kExactSignFlipMaxN or 2^n <= `permutations` (exact), else draws `permutations` random ones and
// reports (1 + hits) / (1 + permutations). Identical systems give p = 1.
// `a` and `b` must have equal sizes (InternalError otherwise); n == 0 gives p = 1.
PairedTest paired_test(std::span<const double> a, std::span<const double> b, int64_t resamples,
                       int64_t permutations, double confidence, double alpha, uint64_t seed);

// A seed for one (system, metric) cell from the run's seed, so every cell's
// resamples are independent of the order cells are computed in.
uint64_t derive_seed(uint64_t seed, std::string_view a, std::string_view b = {}, std::string_view c = {});

}  // namespace lorag::eval
