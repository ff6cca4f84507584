# SPDX-License-Identifier: Apache-2.0
# ccache speeds rebuilds; its cache lives outside the clone (CCACHE_DIR, default ~/.cache/ccache).
find_program(LORAG_CCACHE ccache)
if(LORAG_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${LORAG_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${LORAG_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${LORAG_CCACHE})
endif()
