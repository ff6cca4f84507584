// SPDX-License-Identifier: Apache-2.0
#include "train/loss_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "model/core/atomic_file.h"

namespace lorag::train {
namespace {

constexpr double kWidth = 720, kHeight = 420;
constexpr double kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;
constexpr const char* kTrainColor = "#1f77b4";
constexpr const char* kEvalColor = "#d62728";

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string loss_svg(const std::vector<MetricsRow>& rows, const std::string& title) {
  double x_max = 1, y_lo = std::numeric_limits<double>::infinity(), y_hi = -y_lo;
  bool has_eval = false;
  for (const auto& r : rows) {
    x_max = std::max(x_max, static_cast<double>(r.step));
    if (std::isfinite(r.loss)) y_lo = std::min(y_lo, r.loss), y_hi = std::max(y_hi, r.loss);
    if (r.eval_loss && std::isfinite(*r.eval_loss)) {
      has_eval = true;
      y_lo = std::min(y_lo, *r.eval_loss), y_hi = std::max(y_hi, *r.eval_loss);
    }
  }
  if (!std::isfinite(y_lo)) y_lo = 0, y_hi = 1;
  y_lo = std::max(0.0, y_lo - 0.05 * (y_hi - y_lo));
  y_hi = y_hi + 0.05 * (y_hi - y_lo) + 1e-9;
  const auto yt = nice_ticks(y_lo, y_hi), xt = nice_ticks(0, x_max);
  y_lo = std::min(y_lo, yt.front()), y_hi = std::max(y_hi, yt.back());
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto X = [&](double step) { return kLeft + pw * step / std::max(x_max, xt.back()); };
  auto Y = [&](double loss) { return kTop + ph * (1.0 - (loss - y_lo) / (y_hi - y_lo)); };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" viewBox=\"0 0 " << kWidth << ' ' << kHeight << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << kWidth / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << escape(title)
    << "</text>\n";
  for (double t : yt) {
    s << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + pw << "\" y1=\"" << fmt(Y(t)) << "\" y2=\"" << fmt(Y(t))
      << "\" stroke=\"#e5e5e5\"/>\n<text x=\"" << kLeft - 6 << "\" y=\"" << fmt(Y(t) + 4)
      << "\" text-anchor=\"end\">" << fmt(t) << "</text>\n";
  }
  for (double t : xt) {
    s << "<line x1=\"" << fmt(X(t)) << "\" x2=\"" << fmt(X(t)) << "\" y1=\"" << kTop << "\" y2=\"" << kTop + ph
      << "\" stroke=\"#f0f0f0\"/>\n<text x=\"" << fmt(X(t)) << "\" y=\"" << kTop + ph + 16
      << "\" text-anchor=\"middle\">" << fmt(t) << "</text>\n";
  }
  s << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#333\"/>\n"
    << "<text x=\"" << kLeft + pw / 2 << "\" y=\"" << kHeight - 10 << "\" text-anchor=\"middle\">step</text>\n"
    << "<text transform=\"translate(16 " << kTop + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">loss</text>\n";
  auto polyline = [&](bool eval, const char* color) {
    std::ostringstream pts;
    int n = 0;
    for (const auto& r : rows) {
      const double v = eval ? r.eval_loss.value_or(NAN) : r.loss;
      if (!std::isfinite(v)) continue;
      pts << fmt(X(static_cast<double>(r.step))) << ',' << fmt(Y(v)) << ' ';
      ++n;
      if (eval) {
        s << "<circle cx=\"" << fmt(X(static_cast<double>(r.step))) << "\" cy=\"" << fmt(Y(v)) << "\" r=\"3\" fill=\""
          << color << "\"/>\n";
      }
    }
    if (n > 0) {
      s << "<polyline id=\"" << (eval ? "eval" : "train") << "\" fill=\"none\" stroke=\"" << color
        << "\" stroke-width=\"1.5\" points=\"" << pts.str() << "\"/>\n";
    }
  };
  polyline(false, kTrainColor);
  if (has_eval) polyline(true, kEvalColor);
  // Legend, top right inside the plot.
  const double lx = kLeft + pw - 130, ly = kTop + 10;
  s << "<rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"120\" height=\"" << (has_eval ? 44 : 24)
    << "\" fill=\"white\" stroke=\"#999\"/>\n"
    << "<line x1=\"" << lx + 8 << "\" x2=\"" << lx + 32 << "\" y1=\"" << ly + 14 << "\" y2=\"" << ly + 14
    << "\" stroke=\"" << kTrainColor << "\" stroke-width=\"2\"/><text x=\"" << lx + 38 << "\" y=\"" << ly + 18
    << "\">train loss</text>\n";
  if (has_eval) {
    s << "<line x1=\"" << lx + 8 << "\" x2=\"" << lx + 32 << "\" y1=\"" << ly + 34 << "\" y2=\"" << ly + 34
      << "\" stroke=\"" << kEvalColor << "\" stroke-width=\"2\"/><text x=\"" << lx + 38 << "\" y=\"" << ly + 38
      << "\">eval loss</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

void write_loss_svg(const std::vector<MetricsRow>& rows, const std::filesystem::path& path) {
  write_file_atomically(path, loss_svg(rows));
}

}  // namespace lorag::train
