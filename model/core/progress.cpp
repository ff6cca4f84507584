// SPDX-License-Identifier: Apache-2.0
#include "model/core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace lorag {

bool stream_is_terminal(std::FILE* stream) { return ::isatty(::fileno(stream)) == 1; }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", s);
  }
  return buf;
}

ProgressBar::ProgressBar(ProgressOptions options, std::ostream& out, bool interactive)
    : options_(std::move(options)), out_(out), interactive_(interactive) {
  if (options_.plain_every <= 0) options_.plain_every = std::max<int64_t>(1, options_.total / 20);
}

ProgressBar::ProgressBar(ProgressOptions options)
    : ProgressBar(std::move(options), std::cerr, stream_is_terminal(stderr)) {}

ProgressBar::~ProgressBar() { finish(); }

std::string ProgressBar::render(int64_t done, const std::vector<std::pair<std::string, std::string>>& fields,
                                double rate, const std::string& rate_unit, double eta_seconds) const {
  std::ostringstream s;
  if (!options_.label.empty()) s << options_.label << ' ';
  if (options_.total > 0) {
    const double frac = std::clamp(static_cast<double>(done) / static_cast<double>(options_.total), 0.0, 1.0);
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(frac * 100.0));
    s << pct << ' ';
    if (interactive_ && options_.bar_width > 0) {
      const int filled = static_cast<int>(frac * options_.bar_width);
      s << '[' << std::string(filled, '#') << std::string(options_.bar_width - filled, '.') << "] ";
    }
    s << done << '/' << options_.total;
  } else {
    s << done;
  }
  for (const auto& [name, value] : fields) s << ' ' << name << ' ' << value;
  if (rate >= 0) {
    char r[32];
    std::snprintf(r, sizeof r, "%.1f", rate);
    s << " | " << r << ' ' << rate_unit;
  }
  if (options_.total > 0 && eta_seconds >= 0) s << " | ETA " << format_duration(eta_seconds);
  return s.str();
}

void ProgressBar::update(int64_t done, const std::vector<std::pair<std::string, std::string>>& fields, double rate,
                         const std::string& rate_unit) {
  if (first_done_ < 0) {
    // The first update starts the clock, so a resumed run's ETA counts only its own steps.
    first_done_ = done > 0 ? done - 1 : 0;
    if (done == 0) timer_.reset();
  }
  double eta = -1;
  const int64_t progressed = done - first_done_;
  if (options_.total > 0 && progressed > 0) {
    eta = timer_.seconds() / static_cast<double>(progressed) * static_cast<double>(options_.total - done);
  }
  const auto line = render(done, fields, rate, rate_unit, eta);
  if (interactive_) {
    // Pad over the previous line's tail, which may have been longer.
    out_ << '\r' << line << std::string(last_width_ > line.size() ? last_width_ - line.size() : 0, ' ') << std::flush;
    last_width_ = line.size();
    line_open_ = true;
  } else if (done % options_.plain_every == 0 || done == options_.total) {
    out_ << line << '\n' << std::flush;
  }
}

void ProgressBar::message(const std::string& text) {
  if (line_open_) out_ << '\n';
  line_open_ = false;
  last_width_ = 0;
  out_ << text << '\n' << std::flush;
}

void ProgressBar::finish() {
  if (line_open_) out_ << '\n' << std::flush;
  line_open_ = false;
}

}  // namespace lorag
