// SPDX-License-Identifier: Apache-2.0
// A torch-free progress bar for long loops (model/core): training steps,
// indexing, batch generation. Writes to a stream (stderr by default), never stdout.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "model/core/timer.h"

namespace lorag {

struct ProgressOptions {
  std::string label;          // leading word, e.g. "train"
  int64_t total = 0;          // steps in all, e.g. 1000; 0 = unknown (no ETA, no bar)
  int bar_width = 24;         // characters of the bar on a terminal
  int64_t plain_every = 0;    // plain mode: print every N steps (and the last); 0 = about 20 lines per run
};

// Renders "train  40% [#########.............] 400/1000 loss 1.234 lr 2.0e-04 | 812 tok/s | ETA 1m02s".
// On a terminal the line is rewritten in place (`\r`); otherwise (a file or a
// pipe, as in CI logs) it prints whole lines every `plain_every` steps. Not
// thread-safe.
class ProgressBar {
 public:
  // `interactive`: rewrite in place; pass `stream_is_terminal(stderr)` for stderr.
  ProgressBar(ProgressOptions options, std::ostream& out, bool interactive);
  // Progress bar on std::cerr, interactive when stderr is a terminal.
  explicit ProgressBar(ProgressOptions options);
  ~ProgressBar();

  // Reports that `done` of `total` steps are complete. `fields` are shown after the
  // count in order ({"loss", "1.234"}); `rate` (units per second, <0 = not shown)
  // is printed with `rate_unit`. ETA comes from the elapsed time per step since
  // construction (or since the first update when starting from a resumed step).
  void update(int64_t done, const std::vector<std::pair<std::string, std::string>>& fields, double rate = -1,
              const std::string& rate_unit = "tok/s");
  // Prints a message on its own line without breaking the bar.
  void message(const std::string& text);
  // Ends the bar's line (terminal mode); called by the destructor.
  void finish();

  // The text of one update without the leading `\r` (for tests).
  std::string render(int64_t done, const std::vector<std::pair<std::string, std::string>>& fields, double rate,
                     const std::string& rate_unit, double eta_seconds) const;

 private:
  ProgressOptions options_;
  std::ostream& out_;
  bool interactive_;
  bool line_open_ = false;
  int64_t first_done_ = -1;  // the step count at the first update (resume starts past 0)
  Timer timer_;
  size_t last_width_ = 0;
};

// Whether the C stream is attached to a terminal (isatty).
bool stream_is_terminal(std::FILE* stream);
// "1h02m", "3m05s", "42s".
std::string format_duration(double seconds);

}  // namespace lorag
