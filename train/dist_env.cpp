// SPDX-License-Identifier: Apache-2.0
#include "train/dist_env.h"

#include <cstdlib>

#include "model/core/error.h"

namespace lorag::train {
namespace {

const std::string* find(const std::map<std::string, std::string>& env, const std::string& name) {
  const auto it = env.find(name);
  return it == env.end() || it->second.empty() ? nullptr : &it->second;
}

int64_t int_var(const std::map<std::string, std::string>& env, const std::string& name, int64_t lo, int64_t hi) {
  const auto* value = find(env, name);
  LORAG_CHECK(value, UsageError, "environment variable ", name,
              " is not set, but WORLD_SIZE is (hint: launch with torchrun, which sets both)");
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(*value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  LORAG_CHECK(used == value->size() && v >= lo && v <= hi, UsageError, "environment variable ", name, "='", *value,
              "': expected an integer in [", lo, ", ", hi, "]");
  return v;
}

}  // namespace

std::optional<DistEnv> parse_dist_env(const std::map<std::string, std::string>& env) {
  if (!find(env, "WORLD_SIZE")) return std::nullopt;
  DistEnv d;
  d.world_size = int_var(env, "WORLD_SIZE", 1, 1 << 20);
  d.rank = int_var(env, "RANK", 0, d.world_size - 1);
  d.local_rank = find(env, "LOCAL_RANK") ? int_var(env, "LOCAL_RANK", 0, d.world_size - 1) : d.rank;
  if (const auto* addr = find(env, "MASTER_ADDR")) d.master_addr = *addr;
  else LORAG_CHECK(d.world_size == 1, UsageError, "environment variable MASTER_ADDR is not set (WORLD_SIZE=", d.world_size, ")");
  if (find(env, "MASTER_PORT")) d.master_port = int_var(env, "MASTER_PORT", 1, 65535);
  else LORAG_CHECK(d.world_size == 1, UsageError, "environment variable MASTER_PORT is not set (WORLD_SIZE=", d.world_size, ")");
  // torchrun sets "True" (Python's str(True)), as torch.distributed.rendezvous checks.
  const auto* agent = find(env, "TORCHELASTIC_USE_AGENT_STORE");
  d.use_agent_store = agent && *agent == "True";
  return d;
}

std::optional<DistEnv> dist_env_from_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT",
                           "TORCHELASTIC_USE_AGENT_STORE"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  return parse_dist_env(env);
}

}  // namespace lorag::train
