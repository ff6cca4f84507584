// SPDX-License-Identifier: Apache-2.0
#include "train/metrics_log.h"

#include <cstdio>
#include <sstream>

#include "model/core/atomic_file.h"
#include "model/core/error.h"

namespace lorag::train {
namespace {
std::string num(double v, const char* fmt = "%.6g") {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
}  // namespace

std::string format_row(const MetricsRow& r) {
  std::string s = std::to_string(r.step) + "," + num(r.epoch, "%.4f") + "," + num(r.loss) + "," + num(r.lr) + "," +
                  num(r.grad_norm) + "," + std::to_string(r.tokens) + "," + num(r.tokens_per_s, "%.1f") + ",";
  if (r.eval_loss) s += num(*r.eval_loss);
  s += ",";
  if (r.eval_ppl) s += num(*r.eval_ppl);
  return s;
}

std::vector<MetricsRow> read_metrics_csv(const std::filesystem::path& path) {
  std::istringstream in(read_file(path));
  std::string line;
  std::vector<MetricsRow> rows;
  LORAG_CHECK(std::getline(in, line) && line == kMetricsHeader, FormatError, path.string(),
              ": line 1 is not the metrics header '", kMetricsHeader, "'");
  for (int lineno = 2; std::getline(in, line); ++lineno) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) f.push_back(cell);
    if (!line.empty() && line.back() == ',') f.emplace_back();
    LORAG_CHECK(f.size() == 9, FormatError, path.string(), ":", lineno, ": expected 9 fields, got ", f.size());
    try {
      MetricsRow r;
      r.step = std::stoll(f[0]);
      r.epoch = std::stod(f[1]);
      r.loss = std::stod(f[2]);
      r.lr = std::stod(f[3]);
      r.grad_norm = std::stod(f[4]);
      r.tokens = std::stoll(f[5]);
      r.tokens_per_s = std::stod(f[6]);
      if (!f[7].empty()) r.eval_loss = std::stod(f[7]);
      if (!f[8].empty()) r.eval_ppl = std::stod(f[8]);
      rows.push_back(r);
    } catch (const std::logic_error&) {
      LORAG_FAIL(FormatError, path.string(), ":", lineno, ": not a number in '", line, "'");
    }
  }
  return rows;
}

MetricsLog::MetricsLog(std::filesystem::path path, std::vector<MetricsRow> rows)
    : path_(std::move(path)), rows_(std::move(rows)) {
  std::string text = std::string(kMetricsHeader) + "\n";
  for (const auto& r : rows_) text += format_row(r) + "\n";
  write_file_atomically(path_, text);
  out_.open(path_, std::ios::app);
  LORAG_CHECK(out_.good(), IoError, path_.string(), ": cannot open for appending");
}

void MetricsLog::append(const MetricsRow& row) {
  rows_.push_back(row);
  out_ << format_row(row) << '\n' << std::flush;
  LORAG_CHECK(out_.good(), IoError, path_.string(), ": write failed");
}

}  // namespace lorag::train
