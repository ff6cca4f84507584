// SPDX-License-Identifier: Apache-2.0
#include "eval/bootstrap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/test_util.h"

namespace lorag::eval {
namespace {

std::vector<double> scores(int n, int ones) {
  std::vector<double> v(n, 0.0);
  for (int i = 0; i < ones; ++i) v[(i * 7) % n] = 1.0;  // spread, distinct indices for n coprime to 7
  return v;
}

TEST(Bootstrap, SameSeedSameIntervalAndContainsMean) {
  const auto v = scores(40, 23);
  const MeanCi a = bootstrap_mean_ci(v, 1000, 0.95, 7);
  const MeanCi b = bootstrap_mean_ci(v, 1000, 0.95, 7);
  EXPECT_EQ(a.n, 40u);
  EXPECT_DOUBLE_EQ(a.mean, 23.0 / 40);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  EXPECT_LT(a.low, a.mean);
  EXPECT_GT(a.high, a.mean);
  // The normal approximation's half-width is 1.96*sqrt(p(1-p)/n) = 0.153; the
  // percentile interval should be close to it.
  EXPECT_NEAR(a.high - a.low, 2 * 1.96 * std::sqrt(0.575 * 0.425 / 40), 0.05);
  // Another seed draws other resamples (continuous values, so the bounds move).
  std::vector<double> cont(40);
  for (int i = 0; i < 40; ++i) cont[i] = std::fmod(i * 0.377, 1.0);
  const MeanCi s7 = bootstrap_mean_ci(cont, 1000, 0.95, 7), s8 = bootstrap_mean_ci(cont, 1000, 0.95, 8);
  EXPECT_EQ(s7.mean, s8.mean);
  EXPECT_NE(s7.low, s8.low);
  // A higher confidence never gives a narrower interval on the same resamples.
  const MeanCi wide = bootstrap_mean_ci(v, 1000, 0.99, 7);
  EXPECT_LE(wide.low, a.low);
  EXPECT_GE(wide.high, a.high);
}

TEST(Bootstrap, TwoValuesSpanTheirRange) {
  // Means of two draws from {0, 1} are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4;
  // the 2.5% and 97.5% quantiles of 1000 of them are 0 and 1.
  const std::vector<double> v{0.0, 1.0};
  const MeanCi ci = bootstrap_mean_ci(v, 1000, 0.95, 0);
  EXPECT_EQ(ci.low, 0.0);
  EXPECT_EQ(ci.high, 1.0);
}

TEST(Bootstrap, DegenerateSamples) {
  const std::vector<double> constant(10, 0.75);
  const MeanCi c = bootstrap_mean_ci(constant, 100, 0.95, 1);
  EXPECT_DOUBLE_EQ(c.low, 0.75);
  EXPECT_DOUBLE_EQ(c.high, 0.75);
  const std::vector<double> one{0.3};
  EXPECT_EQ(bootstrap_mean_ci(one, 100, 0.95, 1).low, 0.3);
  const MeanCi empty = bootstrap_mean_ci(std::vector<double>{}, 100, 0.95, 1);
  EXPECT_EQ(empty.n, 0u);
  EXPECT_TRUE(std::isnan(empty.mean));
}

TEST(PairedTest, ClearlyDifferentSystemsAreSignificant) {
  const auto a = scores(40, 30);
  std::vector<double> b(40, 0.0);
  for (int i = 0; i < 40; ++i) b[i] = (a[i] > 0 && i % 3 == 0) ? 1.0 : 0.0;  // B right on a subset of A's
  const PairedTest t = paired_test(a, b, 1000, 10000, 0.95, 0.05, 3);
  EXPECT_EQ(t.n, 40u);
  EXPECT_GT(t.mean_diff, 0.4);
  EXPECT_FALSE(t.exact);
  EXPECT_LT(t.p_value, 0.001);
  EXPECT_TRUE(t.significant);
  EXPECT_GT(t.diff_low, 0.0);
  EXPECT_LE(t.diff_low, t.mean_diff);
  EXPECT_GE(t.diff_high, t.mean_diff);
}

TEST(PairedTest, IdenticalSystemsAreNot) {
  const auto a = scores(40, 20);
  const PairedTest t = paired_test(a, a, 1000, 10000, 0.95, 0.05, 3);
  EXPECT_EQ(t.mean_diff, 0.0);
  EXPECT_EQ(t.p_value, 1.0);
  EXPECT_FALSE(t.significant);
  // Same seed, same answer.
  const auto b = scores(40, 12);
  EXPECT_EQ(paired_test(a, b, 500, 2000, 0.95, 0.05, 9).p_value, paired_test(a, b, 500, 2000, 0.95, 0.05, 9).p_value);
}

TEST(PairedTest, ExactPValuesMatchScipy) {
  const auto ref = test::read_json(test::fixture("eval/metrics.json"));
  ASSERT_FALSE(ref["sign_flip"].empty());
  for (const auto& c : ref["sign_flip"]) {
    const auto d = c["d"].get<std::vector<double>>();
    const std::vector<double> zeros(d.size(), 0.0);
    const PairedTest t = paired_test(d, zeros, 200, 10000, 0.95, 0.05, 0);
    SCOPED_TRACE(c["d"].dump());
    EXPECT_TRUE(t.exact);
    EXPECT_NEAR(t.p_value, c["p_value"].get<double>(), 1e-12);
  }
}

TEST(DeriveSeed, DependsOnEveryPart) {
  EXPECT_EQ(derive_seed(1, "rag", "token_f1"), derive_seed(1, "rag", "token_f1"));
  EXPECT_NE(derive_seed(1, "rag", "token_f1"), derive_seed(2, "rag", "token_f1"));
  EXPECT_NE(derive_seed(1, "rag", "token_f1"), derive_seed(1, "base", "token_f1"));
  EXPECT_NE(derive_seed(1, "ra", "gtoken_f1"), derive_seed(1, "rag", "token_f1"));
}

}  // namespace
}  // namespace lorag::eval
