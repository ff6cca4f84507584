// SPDX-License-Identifier: Apache-2.0
// stderr logging (model/core).
#include "model/core/log.h"

#include <atomic>
#include <cstdio>

namespace lorag::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
}

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

std::string user_message(const std::exception& e) {
  std::string message(e.what());
  if (level() <= Level::kDebug || message.empty() || message.back() != ']') return message;
  const std::size_t open = message.rfind(" [");
  if (open == std::string::npos) return message;
  const std::string location = message.substr(open + 2, message.size() - open - 3);
  const std::size_t colon = location.rfind(':');
  const bool is_location = colon != std::string::npos && colon + 1 < location.size() &&
                           location.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
                           location.find(' ') == std::string::npos;
  return is_location ? message.substr(0, open) : message;
}

void write(Level level, const std::string& message) {
  const char* tag = level == Level::kWarn ? "warning: " : level == Level::kError ? "error: " : "";
  std::fprintf(stderr, "[lorag] %s%s\n", tag, message.c_str());
  std::fflush(stderr);
}

}  // namespace lorag::log
