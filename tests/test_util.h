// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the test binaries: where the fixtures live, reading their JSON.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace lorag::test {

// The folder scripts/make_fixtures.py wrote (env LORAG_FIXTURES).
std::filesystem::path fixtures_dir();
// fixtures_dir() / relative, failing the test when it does not exist.
std::filesystem::path fixture(const std::string& relative);
nlohmann::json read_json(const std::filesystem::path& path);
// A fresh empty temp directory, unique per call.
std::filesystem::path temp_dir(const std::string& tag);

}  // namespace lorag::test
