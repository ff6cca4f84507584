// SPDX-License-Identifier: Apache-2.0
// Cuts streamed text at the first stop string (infer/), holding back any tail
// that could still become one so a stop string is never half printed.
#pragma once

#include <string>
#include <vector>

namespace lorag::infer {

class StopStringFilter {
 public:
  explicit StopStringFilter(std::vector<std::string> stops) : stops_(std::move(stops)) {}

  // Feeds newly decoded text; returns the text that can be shown now. After a
  // stop string appears, returns what precedes it and stopped() turns true.
  std::string push(const std::string& text);
  // The held-back tail, at the end of generation (empty once stopped).
  std::string flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;  // text not yet shown: may be the start of a stop string
  bool stopped_ = false;
};

}  // namespace lorag::infer
