// SPDX-License-Identifier: Apache-2.0
// SIGTERM/SIGINT for a graceful stop (serve/): the signals are blocked in every
// thread and one thread waits for them with sigwait, so no handler runs in
// signal context.
#pragma once

namespace lorag::serve {

// Blocks SIGTERM and SIGINT in the calling thread. Call it before starting any
// thread: threads inherit the mask, so the signals then only reach sigwait.
void block_stop_signals();

// Waits until SIGTERM or SIGINT arrives (blocked beforehand); returns its number.
int wait_for_stop_signal();

}  // namespace lorag::serve
