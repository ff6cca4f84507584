// SPDX-License-Identifier: Apache-2.0
// Synchronous wait for the stop signals (serve/).
#include "serve/signal_wait.h"

#include <pthread.h>
#include <signal.h>

#include "model/core/error.h"

namespace lorag::serve {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_signals();
  LORAG_CHECK(pthread_sigmask(SIG_BLOCK, &set, nullptr) == 0, Error, "serve: cannot block SIGTERM/SIGINT");
}

int wait_for_stop_signal() {
  const sigset_t set = stop_signals();
  int sig = 0;
  LORAG_CHECK(sigwait(&set, &sig) == 0, Error, "serve: sigwait failed");
  return sig;
}

}  // namespace lorag::serve
