// SPDX-License-Identifier: Apache-2.0
// Crash-safe file writes (model/core): write a temp file beside the target, fsync,
// then rename over it, so readers see either the old file or the complete new one.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string_view>

namespace lorag {

// Calls `write(out)` on a temp file in `path`'s directory, then renames it to `path`.
// On any exception the temp file is removed and `path` is untouched.
// Throws IoError naming the path when the file cannot be written or renamed.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write);

// Convenience: atomically writes `contents` to `path`.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

// Reads a whole file; throws IoError naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

}  // namespace lorag
