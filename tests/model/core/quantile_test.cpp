// SPDX-License-Identifier: Apache-2.0
// lorag::quantile against numpy.quantile's default (method="linear").
#include "model/core/quantile.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lorag {
namespace {

TEST(Quantile, MatchesNumpyLinearMethod) {
  // numpy.quantile([3, 1, 4, 2], q) for q = 0, 0.5, 0.99, 1: 1.0, 2.5, 3.97, 4.0
  const std::vector<double> v = {3, 1, 4, 2};
  EXPECT_DOUBLE_EQ(quantile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile(v, 0.5), 2.5);
  EXPECT_NEAR(quantile(v, 0.99), 3.97, 1e-12);
  EXPECT_DOUBLE_EQ(quantile(v, 1.0), 4.0);
  // numpy.quantile([5], 0.99) = 5.0; an empty input has no quantile.
  EXPECT_DOUBLE_EQ(quantile({5.0}, 0.99), 5.0);
  EXPECT_TRUE(std::isnan(quantile({}, 0.5)));
  const std::vector<double> sorted = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile_of_sorted(sorted, 0.25), 1.75);  // numpy: 1.75
}

}  // namespace
}  // namespace lorag
