// SPDX-License-Identifier: Apache-2.0
// Crash-safe file writes (model/core): write a temp file beside the target, fsync,
// rename over it and fsync the directory, so readers see either the old file or
// the complete new one, also after a power cut.
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

// fsyncs a file or directory so what was written (or renamed into it) survives a
// crash. Throws IoError naming the path when it cannot be opened or fsync fails
// (a failed fsync means the data may not be on disk: never ignore it).
void sync_path(const std::filesystem::path& path);

// Renames `from` over `to`, then fsyncs `to`'s directory so the rename itself is
// durable. Throws IoError naming both paths.
void rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

// Checks, before long work, that write_file_atomically(`path`) will be able to
// write: its folder exists and takes a new file, and `path` is not a folder.
// Creates and removes one temp file. Throws IoError naming the path and why.
void check_can_write(const std::filesystem::path& path);

// The same for an output folder: creates `dir` when missing, then checks a file
// can be created in it. Throws IoError naming the folder.
void check_can_write_into(const std::filesystem::path& dir);

// Reads a whole file; throws IoError naming the path when it cannot, or when it
// is not a regular file (see check_regular_file).
std::string read_file(const std::filesystem::path& path);

// Throws IoError naming `path` and its kind when it exists but is not a regular
// file (a FIFO, socket, device or folder): opening a FIFO for reading blocks
// until a writer appears, so every reader checks first. A missing path passes
// (the caller's open reports it).
void check_regular_file(const std::filesystem::path& path);

}  // namespace lorag
