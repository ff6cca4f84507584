// SPDX-License-Identifier: Apache-2.0
#include "model/core/serial_thread.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace lorag {

void run_this_thread_serially() {
#ifdef _OPENMP
  omp_set_num_threads(1);  // this thread's own setting: threads started later keep the default
#endif
}

}  // namespace lorag
