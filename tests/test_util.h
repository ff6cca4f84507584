// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the test binaries: where the fixtures live, reading their
// JSON, and the message of an expected error.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "model/core/error.h"

namespace lorag::test {

// The folder scripts/make_fixtures.py wrote (env LORAG_FIXTURES).
std::filesystem::path fixtures_dir();
// fixtures_dir() / relative, failing the test when it does not exist.
std::filesystem::path fixture(const std::string& relative);
nlohmann::json read_json(const std::filesystem::path& path);
// A fresh empty temp directory, unique per call.
std::filesystem::path temp_dir(const std::string& tag);

// The message of the `ErrorType` that `fn()` throws; "" and a test failure
// when it throws nothing.
template <typename ErrorType = lorag::Error, typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const ErrorType& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

}  // namespace lorag::test
