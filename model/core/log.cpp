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

void write(Level level, const std::string& message) {
  const char* tag = level == Level::kWarn ? "warning: " : level == Level::kError ? "error: " : "";
  std::fprintf(stderr, "[lorag] %s%s\n", tag, message.c_str());
  std::fflush(stderr);
}

}  // namespace lorag::log
