// SPDX-License-Identifier: Apache-2.0
// Keeping a thread from starting an OpenMP thread pool of its own.
#pragma once

namespace lorag {

// OpenMP (LibTorch's parallel_for, MKL, FAISS) keeps one pool of worker threads per
// thread that starts a parallel region. Once a process holds more such threads than
// it has CPUs, libgomp's workers stop spinning between regions and sleep, so each
// of the ~200 regions of a decode step pays a futex wake-up: in `lorag serve` the
// one-stream decode step took 23 ms against 10 ms in a single-threaded process. A
// server's other threads (the one that loads the model, the HTTP workers) call
// this so that only the engine's thread owns a pool; their own work then runs on
// the calling thread alone.
void run_this_thread_serially();

}  // namespace lorag
