// SPDX-License-Identifier: Apache-2.0
// Logging to stderr (model/core). stdout belongs to results only.
#pragma once

#include <exception>
#include <string>

#include "model/core/error.h"

namespace lorag::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Messages below this level are dropped. Not thread-safe to change while logging.
void set_level(Level level);
Level level();

// An error's message as users see it: without the " [file.cpp:47]" that
// LORAG_CHECK appends, which the debug level (LORAG_LOG=debug) keeps.
std::string user_message(const std::exception& e);

// Writes "[lorag] message" (with a level tag for warnings and errors) to stderr.
void write(Level level, const std::string& message);

template <typename... Parts> void debug(const Parts&... p) { if (level() <= Level::kDebug) write(Level::kDebug, detail::concat(p...)); }
template <typename... Parts> void info(const Parts&... p) { if (level() <= Level::kInfo) write(Level::kInfo, detail::concat(p...)); }
template <typename... Parts> void warn(const Parts&... p) { write(Level::kWarn, detail::concat(p...)); }
template <typename... Parts> void error(const Parts&... p) { write(Level::kError, detail::concat(p...)); }

}  // namespace lorag::log
