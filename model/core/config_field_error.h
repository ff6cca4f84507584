// SPDX-License-Identifier: Apache-2.0
// A ConfigError about one named field of a config struct (model/core). It
// carries the field, so a front end can name the field its own way (the CLI's
// `--max-seq-len` for `max_seq_len`) without parsing the message.
#pragma once

#include <string>
#include <utility>

#include "model/core/error.h"

namespace lorag {

struct ConfigFieldError : ConfigError {
  // what() reads "<field> <detail>", e.g. "lr must be > 0, got -1".
  ConfigFieldError(std::string field, std::string detail)
      : ConfigError(field + " " + detail), field_(std::move(field)), detail_(std::move(detail)) {}
  const std::string& field() const noexcept { return field_; }    // "max_seq_len"
  const std::string& detail() const noexcept { return detail_; }  // "must be >= 1, got 0"

 private:
  std::string field_;
  std::string detail_;
};

}  // namespace lorag

// Throws ConfigFieldError for `field` (a string) when `cond` is false; the
// streamed parts are the detail, and the source location goes last as in LORAG_CHECK.
#define LORAG_CHECK_FIELD(cond, field, ...)                                                     \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      throw ::lorag::ConfigFieldError(field, ::lorag::detail::concat(__VA_ARGS__, " [", __FILE__, \
                                                                       ":", __LINE__, "]"));    \
    }                                                                                           \
  } while (false)
