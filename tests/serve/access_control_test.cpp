// SPDX-License-Identifier: Apache-2.0
// API key parsing, lookup and permissions.
#include <gtest/gtest.h>

#include "serve/access_control.h"
#include "tests/test_util.h"

namespace lorag::serve {
namespace {

TEST(AccessControl, ConstantTimeEqualIsEquality) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("sk-abc", "sk-abc"));
  EXPECT_FALSE(constant_time_equal("sk-abc", "sk-abd"));
  EXPECT_FALSE(constant_time_equal("sk-abc", "sk-ab"));
  EXPECT_FALSE(constant_time_equal("sk-ab", "sk-abc"));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), "a"));
}

TEST(AccessControl, BearerHeaderSelectsTheKey) {
  const auto ac = AccessControl::from_json_text(
      R"({"keys": [{"id": "a", "key": "k1", "models": ["m"], "stores": ["*"]}, {"id": "b", "key": "k2", "admin": true}]})",
      "keys.json");
  EXPECT_TRUE(ac.enabled());
  EXPECT_EQ(ac.authenticate("Bearer k1")->id, "a");
  EXPECT_EQ(ac.authenticate("Bearer k2")->id, "b");
  EXPECT_FALSE(ac.authenticate("Bearer k3"));
  EXPECT_FALSE(ac.authenticate("k1"));
  EXPECT_FALSE(ac.authenticate("Basic k1"));
  EXPECT_FALSE(ac.authenticate(""));
  const ApiKey a = *ac.authenticate("Bearer k1");
  EXPECT_TRUE(a.may_use_model("m"));
  EXPECT_FALSE(a.may_use_model("n"));
  EXPECT_TRUE(a.may_use_store("anything"));
  EXPECT_FALSE(a.admin);
  EXPECT_TRUE(ac.authenticate("Bearer k2")->admin);
}

TEST(AccessControl, SingleKeyIsAdminOverEverything) {
  const auto ac = AccessControl::single_key("secret");
  const ApiKey k = *ac.authenticate("Bearer secret");
  EXPECT_EQ(k.id, "default");
  EXPECT_TRUE(k.admin);
  EXPECT_TRUE(k.may_use_model("x"));
  EXPECT_NE(test::error_of<ConfigError>([] { AccessControl::single_key(""); }).find("--api-key"), std::string::npos);
}

TEST(AccessControl, BadKeyFilesNameTheField) {
  auto msg = [](const std::string& text) {
    return test::error_of<ConfigError>([&] { AccessControl::from_json_text(text, "keys.json"); });
  };
  EXPECT_NE(msg("{").find("keys.json: invalid JSON ("), std::string::npos);
  EXPECT_NE(msg(R"({"keys": []})").find("\"keys\" is empty"), std::string::npos);
  EXPECT_NE(msg(R"({"keys": [{"id": "a"}]})").find("keys[0].key"), std::string::npos);
  EXPECT_NE(msg(R"({"keys": [{"id": "a", "key": "k", "admin": "yes"}]})").find("keys[0].admin"), std::string::npos);
  EXPECT_NE(msg(R"({"keys": [{"id": "a", "key": "k", "models": "m"}]})").find("keys[0].models"), std::string::npos);
  EXPECT_NE(msg(R"({"keys": [{"id": "a", "key": "k"}, {"id": "a", "key": "j"}]})").find("'a' appears twice"),
            std::string::npos);
  EXPECT_NE(test::error_of<IoError>([] { AccessControl::from_file("/nonexistent/keys.json"); }).find("cannot open"),
            std::string::npos);
}

}  // namespace
}  // namespace lorag::serve
