// SPDX-License-Identifier: Apache-2.0
#include "tests/test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace lorag::test {
namespace fs = std::filesystem;

namespace {
// Exports the build's paths (compile definitions from tests/CMakeLists.txt)
// before any test runs, unless the environment already names them.
const bool kPathsExported = [] {
  ::setenv("LORAG_FIXTURES", LORAG_TEST_FIXTURES, 0);
  ::setenv("LORAG_SOURCE_DIR", LORAG_TEST_SOURCE_DIR, 0);
  ::setenv("LORAG_PYTHON", LORAG_TEST_PYTHON_PATH, 0);
  ::setenv("LORAG_BIN", LORAG_TEST_BIN, 0);
  return true;
}();
}  // namespace

fs::path fixtures_dir() {
  const char* dir = std::getenv("LORAG_FIXTURES");
  return dir ? fs::path(dir) : fs::path("build/fixtures");
}

fs::path fixture(const std::string& relative) {
  fs::path p = fixtures_dir() / relative;
  EXPECT_TRUE(fs::exists(p)) << "missing fixture " << p << " (run scripts/make_fixtures.py)";
  return p;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return nlohmann::json::parse(in);
}

fs::path temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() /
                 ("lorag_test_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace lorag::test
