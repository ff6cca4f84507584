// SPDX-License-Identifier: Apache-2.0
// Where this process stands in a distributed run (train/): torchrun's
// environment variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE), read without c10d.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace lorag::train {

struct DistEnv {
  int64_t rank = 0;                        // global rank, e.g. 1
  int64_t world_size = 1;                  // processes in the run, e.g. 8
  int64_t local_rank = 0;                  // rank on this machine (picks cuda:LOCAL_RANK), e.g. 1
  std::string master_addr = "127.0.0.1";   // host of the rendezvous TCPStore, e.g. "10.0.0.1"
  int64_t master_port = 29500;             // its port, e.g. 29500
  bool use_agent_store = false;            // torchrun's agent hosts the store: every rank is a client
};

// The run described by `env` (name -> value; the process environment when
// empty is not what you want, use dist_env_from_environment). nullopt when
// WORLD_SIZE is unset: a plain single process, as without torchrun. Throws
// UsageError naming the variable when one is missing or malformed (e.g.
// RANK >= WORLD_SIZE).
std::optional<DistEnv> parse_dist_env(const std::map<std::string, std::string>& env);

// parse_dist_env over the process environment.
std::optional<DistEnv> dist_env_from_environment();

}  // namespace lorag::train
