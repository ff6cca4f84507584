// SPDX-License-Identifier: Apache-2.0
// A c10d process group for data-parallel training (train/): rendezvous through
// a TCPStore as torchrun sets it up, ProcessGroupGloo on CPU and
// ProcessGroupNCCL on CUDA. c10d stays inside dist_group.cpp; this header
// needs none of it.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <chrono>
#include <memory>
#include <string>

#include "train/dist_env.h"

namespace lorag::train {

// Whether this build has c10d (see cmake/LoragDistributed.cmake); `what`
// receives which backends, e.g. "gloo, nccl", or why there are none.
bool distributed_support(std::string* what = nullptr);

// One process's membership in the run's group. Collectives are blocking and
// must be called by every rank in the same order with the same shapes. A rank
// that dies or stops answering makes the others throw lorag::Error within
// `timeout`, naming the silent rank(s). Not thread-safe.
class DistGroup {
 public:
  // Connects to the rendezvous store at env.master_addr:master_port (rank 0
  // hosts it unless torchrun's agent does: env.use_agent_store) and builds the
  // backend for `device` (Gloo for CPU, NCCL for CUDA). Waits up to `timeout`
  // for all ranks. Throws Error when this build has no distributed support or
  // the rendezvous fails.
  DistGroup(const DistEnv& env, const c10::Device& device, std::chrono::milliseconds timeout);
  ~DistGroup();
  DistGroup(const DistGroup&) = delete;
  DistGroup& operator=(const DistGroup&) = delete;

  int64_t rank() const;
  int64_t world_size() const;

  // Sums `t` (contiguous, on the group's device) over all ranks, in place.
  // `what` names the step for error messages, e.g. "gradients of step 12".
  void all_reduce_sum(at::Tensor& t, const std::string& what);
  // Copies `t` from rank `root` to every rank, in place.
  void broadcast(at::Tensor& t, int64_t root, const std::string& what);
  // Seconds spent inside collectives so far (the wait included).
  double collective_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lorag::train
