// SPDX-License-Identifier: Apache-2.0
// The one quantile of lorag (model/core): numpy.quantile's default ("linear",
// Hyndman-Fan type 7), for latency percentiles and bootstrap intervals alike.
#pragma once

#include <span>
#include <vector>

namespace lorag {

// The q-quantile (q in [0, 1]) of values already sorted ascending; NaN when empty.
double quantile_of_sorted(std::span<const double> sorted, double q);

// The q-quantile of `values` in any order (sorts a copy); NaN when empty.
double quantile(std::vector<double> values, double q);

}  // namespace lorag
