// SPDX-License-Identifier: Apache-2.0
// The loss curve as a self-contained SVG (train/): train loss per step and eval
// loss where computed, with labelled axes, grid and a legend. No plotting library.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "train/metrics_log.h"

namespace lorag::train {

// The SVG document for `rows` (any number, including none).
std::string loss_svg(const std::vector<MetricsRow>& rows, const std::string& title = "LoRA training loss");
// Writes loss_svg(rows) to `path` atomically; throws IoError naming the path.
void write_loss_svg(const std::vector<MetricsRow>& rows, const std::filesystem::path& path);

// "Nice" axis ticks covering [lo, hi]: about `target` round values (1, 2, 5 x 10^k steps).
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace lorag::train
