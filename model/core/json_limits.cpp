// SPDX-License-Identifier: Apache-2.0
// Bounded JSON parsing (model/core).
#include "model/core/json_limits.h"

#include "model/core/atomic_file.h"
#include "model/core/error.h"

namespace lorag {

int json_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return limit + 1;
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

nlohmann::json parse_json(std::string_view text, const std::string& source, int max_depth) {
  LORAG_CHECK(json_depth(text, max_depth) <= max_depth, FormatError, source, ": JSON nested deeper than ",
              max_depth, " levels (refused; real files nest a few levels)");
  return nlohmann::json::parse(text.begin(), text.end());
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  try {
    return parse_json(text, path.string());
  } catch (const nlohmann::json::parse_error& e) {
    LORAG_FAIL(FormatError, path.string(), ": invalid JSON (", e.what(), ")");
  }
}

}  // namespace lorag
