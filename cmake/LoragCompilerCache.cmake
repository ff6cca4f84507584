# SPDX-License-Identifier: Apache-2.0
# ccache speeds rebuilds; its cache lives outside the clone (CCACHE_DIR, default ~/.cache/ccache).
# Every LibTorch translation unit uses the shared precompiled header, which ccache
# refuses to cache unless told that the PCH's macros and timestamps may be trusted
# (ccache manual, "Precompiled headers"); GCC also needs -fpch-preprocess.
find_program(LORAG_CCACHE ccache)
find_program(LORAG_ENV env)
if(LORAG_CCACHE AND LORAG_ENV)
  set(lorag_ccache_launcher ${LORAG_ENV}
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime" ${LORAG_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${lorag_ccache_launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${lorag_ccache_launcher})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${lorag_ccache_launcher})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fpch-preprocess>)
  endif()
endif()
