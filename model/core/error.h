// SPDX-License-Identifier: Apache-2.0
// The error types a user can cause (model/core, used by every layer), and the
// checking macros that throw them.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace lorag {

// Base of every error a user can cause; `main` maps it to exit code 1.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Bad command line or flag value; `main` maps it to exit code 2.
struct UsageError : Error { using Error::Error; };
// A config field with a bad or missing value (config.json, --config, GenerateConfig).
struct ConfigError : Error { using Error::Error; };
// A file that cannot be opened, read, mapped or written.
struct IoError : Error { using Error::Error; };
// A file whose contents do not follow its format (JSON, safetensors, GGUF, ...).
struct FormatError : Error { using Error::Error; };
// Tensors whose shapes do not fit together.
struct ShapeError : Error { using Error::Error; };
// A broken internal invariant: a bug in lorag, not the user's doing.
struct InternalError : Error { using Error::Error; };

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace lorag

// Throws `ErrorType` with the streamed message parts when `cond` is false.
// The message is the user's; the source location goes last, in brackets.
#define LORAG_CHECK(cond, ErrorType, ...)                                          \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      throw ErrorType(::lorag::detail::concat(__VA_ARGS__, " [", __FILE__, ":",    \
                                              __LINE__, "]"));                    \
    }                                                                              \
  } while (false)

// Throws `ErrorType` unconditionally with the streamed message parts.
#define LORAG_FAIL(ErrorType, ...) LORAG_CHECK(false, ErrorType, __VA_ARGS__)

// Internal invariant; failure means a bug in lorag.
#define LORAG_ASSERT(cond, ...) \
  LORAG_CHECK(cond, ::lorag::InternalError, "internal error: ", #cond, " ", ##__VA_ARGS__)
