// SPDX-License-Identifier: Apache-2.0
// The per-step training metrics (train/): one row per optimizer step, appended
// to `metrics.csv` as the run goes (flushed each row, so a crash loses nothing).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace lorag::train {

struct MetricsRow {
  int64_t step = 0;            // optimizer steps done, 1-based
  double epoch = 0;            // fractional epoch at the end of the step, e.g. 1.25
  double loss = 0;             // mean train loss of the step (per counted label)
  double lr = 0;               // learning rate used by the step
  double grad_norm = 0;        // global gradient norm before clipping
  int64_t tokens = 0;          // real tokens in the step's micro-batches
  double tokens_per_s = 0;     // tokens / step wall time
  std::optional<double> eval_loss;  // when evaluated at this step
  std::optional<double> eval_ppl;   // exp(eval_loss)
};

// "step,epoch,loss,lr,grad_norm,tokens,tokens_per_s,eval_loss,eval_ppl"
inline constexpr const char* kMetricsHeader = "step,epoch,loss,lr,grad_norm,tokens,tokens_per_s,eval_loss,eval_ppl";

std::string format_row(const MetricsRow& row);
// Reads a metrics.csv written by MetricsLog. Throws IoError when unreadable,
// FormatError naming the line for a malformed row.
std::vector<MetricsRow> read_metrics_csv(const std::filesystem::path& path);

class MetricsLog {
 public:
  // Starts `path` with `rows` (a resumed run's history, empty for a new run);
  // the file is rewritten atomically with them first. Throws IoError.
  MetricsLog(std::filesystem::path path, std::vector<MetricsRow> rows);
  // Appends a row to the file (flushed) and to rows().
  void append(const MetricsRow& row);
  const std::vector<MetricsRow>& rows() const { return rows_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::vector<MetricsRow> rows_;
  std::ofstream out_;
};

}  // namespace lorag::train
