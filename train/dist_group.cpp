// SPDX-License-Identifier: Apache-2.0
// The only translation unit that includes c10d (compiled with torch's
// USE_DISTRIBUTED/USE_C10D_GLOO/USE_C10D_NCCL: cmake/LoragDistributed.cmake).
#include "train/dist_group.h"

#include <algorithm>
#include <cstdlib>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "model/core/error.h"
#include "model/core/timer.h"

#if defined(LORAG_HAVE_C10D)
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "model/cuda/cuda_plugin.h"
#include "train/nccl_ops.h"
#endif

namespace lorag::train {

bool distributed_support(std::string* what) {
#if defined(LORAG_HAVE_C10D) && defined(LORAG_HAVE_NCCL)
  if (what) *what = "gloo, nccl";
  return true;
#elif defined(LORAG_HAVE_C10D)
  if (what) *what = "gloo";
  return true;
#else
  if (what) *what = "this lorag was built without c10d (gloo headers or torch's c10d headers were missing at configure)";
  return false;
#endif
}

#if defined(LORAG_HAVE_C10D)
namespace {

using namespace std::chrono_literals;
// Each rank bumps its heartbeat key this often; a rank whose key stands still
// for kSilentAfter is dead or stopped (a hung collective alone keeps beating).
constexpr auto kHeartbeat = 250ms;
constexpr auto kSilentAfter = 2000ms;

std::string first_line(const std::string& s) {
  auto line = s.substr(0, s.find('\n'));
  return line.size() > 400 ? line.substr(0, 400) + "..." : line;
}

std::string error_text(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return first_line(c->what_without_backtrace());
  return first_line(e.what());
}

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

std::shared_ptr<::gloo::transport::Device> gloo_device(const DistEnv& env) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  // One machine: bind to loopback rather than whatever the hostname resolves to.
  if (is_loopback(env.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

struct DistGroup::Impl {
  DistEnv env;
  c10::Device device;
  std::chrono::milliseconds timeout;
  c10::intrusive_ptr<c10d::Store> store;  // lorag's own keys (heartbeats)
  c10::intrusive_ptr<c10d::Backend> backend;
  std::thread heartbeat;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  double seconds = 0;

  Impl(const DistEnv& e, const c10::Device& d, std::chrono::milliseconds t) : env(e), device(d), timeout(t) {}

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (heartbeat.joinable()) heartbeat.join();
  }

  std::string key(int64_t rank) const { return "heartbeat/" + std::to_string(rank); }

  void beat() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      lock.unlock();
      try {
        store->add(key(env.rank), 1);
      } catch (const std::exception&) {
        return;  // the store is gone; the next collective reports it
      }
      lock.lock();
      cv.wait_for(lock, kHeartbeat, [this] { return stopping; });
    }
  }

  // Which other ranks have stopped beating. Throws when the store is unreachable.
  std::vector<int64_t> silent_ranks() {
    std::vector<int64_t> before, silent;
    for (int64_t r = 0; r < env.world_size; ++r) before.push_back(store->add(key(r), 0));
    std::this_thread::sleep_for(kSilentAfter);
    for (int64_t r = 0; r < env.world_size; ++r) {
      if (r != env.rank && store->add(key(r), 0) == before[static_cast<size_t>(r)]) silent.push_back(r);
    }
    return silent;
  }

  [[noreturn]] void fail(const std::string& what, const std::string& cause) {
    std::ostringstream msg;
    msg << "distributed training failed in " << what << " on rank " << env.rank << " of " << env.world_size << ": ";
    try {
      const auto silent = silent_ranks();
      if (silent.empty()) {
        msg << "every other rank is still alive (one of them probably failed first: see its own error)";
      } else {
        msg << (silent.size() == 1 ? "rank " : "ranks ");
        for (size_t i = 0; i < silent.size(); ++i) msg << (i ? ", " : "") << silent[i];
        msg << " stopped answering (dead or hung: no heartbeat for "
            << std::chrono::duration<double>(kSilentAfter).count() << " s)";
      }
    } catch (const std::exception& e) {
      msg << (env.use_agent_store ? std::string("torchrun's rendezvous store")
                                  : "rank 0, which hosts the rendezvous store,")
          << " at " << env.master_addr << ":" << env.master_port << " is unreachable (dead or hung: "
          << error_text(e) << ")";
    }
    msg << "; cause: " << cause << " (--dist-timeout " << timeout.count() / 1000.0 << " s)";
    LORAG_FAIL(Error, msg.str());
  }

  void run(const std::string& what, const std::function<c10::intrusive_ptr<c10d::Work>()>& start) {
    Timer timer;
    try {
      auto work = start();
      work->wait();
    } catch (const std::exception& e) {
      fail(what, error_text(e));
    }
    seconds += timer.seconds();
  }

  void connect() {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<uint16_t>(env.master_port);
    opts.isServer = !env.use_agent_store && env.rank == 0;
    // Every rank counts itself in (as torch.distributed's TCPStore(world_size=...)
    // does); the server waits until all have.
    opts.numWorkers = static_cast<size_t>(env.world_size);
    opts.waitWorkers = true;
    opts.timeout = timeout;
    opts.multiTenant = true;
    c10::intrusive_ptr<c10d::Store> tcp;
    try {
      tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, opts);
    } catch (const std::exception& e) {
      LORAG_FAIL(Error, "distributed rendezvous at ", env.master_addr, ":", env.master_port, " failed on rank ",
                 env.rank, " of ", env.world_size, ": ", error_text(e),
                 " (hint: are all ranks started, with the same MASTER_ADDR/MASTER_PORT? --dist-timeout ",
                 timeout.count() / 1000.0, " s)");
    }
    store = c10::make_intrusive<c10d::PrefixStore>("lorag", tcp);
    // The backend's keys apart from lorag's, as torch.distributed prefixes a group's store.
    auto pg_store = c10::make_intrusive<c10d::PrefixStore>("default_pg", tcp);
    const int rank = static_cast<int>(env.rank), size = static_cast<int>(env.world_size);
    try {
      if (device.is_cuda()) {
#if defined(LORAG_HAVE_NCCL)
        // ProcessGroupNCCL is in libtorch_cuda, which only the CUDA plugin links.
        const auto* nccl = model::cuda::plugin_ops<NcclOps>(kNcclOpsSymbol);
        LORAG_CHECK(nccl, Error, "distributed training on ", device.str(),
                    " needs the CUDA plugin (liblorag_cuda.so), which is not loaded");
        backend = nccl->make_backend(pg_store, rank, size, timeout, device.index());
#else
        LORAG_FAIL(Error, "distributed training on ", device.str(),
                   " needs NCCL, and this lorag was built without it (hint: pip install nvidia-nccl-cu13 "
                   "beside torch and reconfigure; or --device cpu for Gloo)");
#endif
      } else {
        auto o = c10d::ProcessGroupGloo::Options::create(timeout);
        o->devices.push_back(gloo_device(env));
        backend = c10::make_intrusive<c10d::ProcessGroupGloo>(pg_store, rank, size, o);
      }
    } catch (const lorag::Error&) {
      throw;
    } catch (const std::exception& e) {
      LORAG_FAIL(Error, "cannot create the ", device.is_cuda() ? "NCCL" : "Gloo", " process group on rank ",
                 env.rank, " of ", env.world_size, ": ", error_text(e));
    }
    heartbeat = std::thread([this] { beat(); });
  }
};

DistGroup::DistGroup(const DistEnv& env, const c10::Device& device, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(env, device, timeout)) {
  LORAG_CHECK(timeout.count() > 0, UsageError, "--dist-timeout must be > 0 s, got ", timeout.count() / 1000.0);
  impl_->connect();
}

void DistGroup::all_reduce_sum(at::Tensor& t, const std::string& what) {
  std::vector<at::Tensor> tensors{t};
  impl_->run(what, [&] { return impl_->backend->allreduce(tensors, c10d::AllreduceOptions{}); });
}

void DistGroup::broadcast(at::Tensor& t, int64_t root, const std::string& what) {
  std::vector<at::Tensor> tensors{t};
  c10d::BroadcastOptions opts;
  opts.rootRank = root;
  impl_->run(what, [&] { return impl_->backend->broadcast(tensors, opts); });
}

double DistGroup::collective_seconds() const { return impl_->seconds; }

#else  // no c10d in this build

struct DistGroup::Impl {
  DistEnv env;
};

DistGroup::DistGroup(const DistEnv& env, const c10::Device&, std::chrono::milliseconds) {
  std::string why;
  distributed_support(&why);
  LORAG_FAIL(Error, "a distributed launch (WORLD_SIZE=", env.world_size, ", RANK=", env.rank,
             ") needs distributed support, but ", why,
             " (hint: apt-get install libgloo-dev, then reconfigure; or run without torchrun)");
}

void DistGroup::all_reduce_sum(at::Tensor&, const std::string&) { LORAG_ASSERT(false); }
void DistGroup::broadcast(at::Tensor&, int64_t, const std::string&) { LORAG_ASSERT(false); }
double DistGroup::collective_seconds() const { return 0; }

#endif

DistGroup::~DistGroup() = default;
int64_t DistGroup::rank() const { return impl_->env.rank; }
int64_t DistGroup::world_size() const { return impl_->env.world_size; }

}  // namespace lorag::train
