# SPDX-License-Identifier: Apache-2.0
# Distributed training through LibTorch's c10d (train/ only). The torch wheel
# ships the c10d headers and symbols (libtorch_cpu: TCPStore, ProcessGroupGloo;
# libtorch_cuda: ProcessGroupNCCL) but neither gloo's headers (Debian's
# libgloo-dev) nor the compile definitions torch was built with. Where a piece
# is missing, distributed support is off and `lorag train` under torchrun fails
# with a message saying so; single-process training is unaffected.
#
# lorag_enable_distributed(TARGET SOURCES...): compiles SOURCES of TARGET with
# the c10d definitions (only those files: the definitions change what torch's
# headers declare, so they stay out of the shared precompiled header).

option(LORAG_DISTRIBUTED "Data-parallel training through c10d (Gloo on CPU, NCCL on CUDA)" ON)

set(LORAG_HAVE_C10D_GLOO OFF)
set(LORAG_HAVE_C10D_NCCL OFF)
if(LORAG_DISTRIBUTED)
  find_file(LORAG_C10D_GLOO_HEADER torch/csrc/distributed/c10d/ProcessGroupGloo.hpp
    PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
  # gloo 0.5 (Debian's 2022 snapshot): ProcessGroupGloo.hpp only holds gloo
  # objects through shared_ptr/unique_ptr, so the class layout does not depend
  # on the gloo version; the 2-process tests check the rest.
  find_path(LORAG_GLOO_INCLUDE_DIR gloo/rendezvous/store.h)
  if(NOT LORAG_C10D_GLOO_HEADER)
    message(WARNING "lorag: distributed training off: LibTorch has no c10d headers "
      "(torch/csrc/distributed/c10d/ProcessGroupGloo.hpp under ${TORCH_INCLUDE_DIRS})")
  elseif(NOT LORAG_GLOO_INCLUDE_DIR)
    message(WARNING "lorag: distributed training off: gloo headers not found "
      "(install them with: apt-get install libgloo-dev, or ${LORAG_INSTALL_HINT})")
  else()
    set(LORAG_HAVE_C10D_GLOO ON)
  endif()
  if(LORAG_HAVE_C10D_GLOO AND LORAG_CUDA_PLUGIN)  # ProcessGroupNCCL is reached through the plugin
    # The NCCL that torch links (the nvidia-nccl wheel beside it), not a system copy.
    find_path(LORAG_NCCL_INCLUDE_DIR nccl.h
      HINTS ${LORAG_TORCH_LIB_DIR}/../../nvidia/nccl/include NO_DEFAULT_PATH)
    if(LORAG_NCCL_INCLUDE_DIR)
      set(LORAG_HAVE_C10D_NCCL ON)
    else()
      message(STATUS "lorag: NCCL header not found beside torch (pip install nvidia-nccl-cu13): "
        "distributed training on CPU (Gloo) only")
    endif()
  endif()
endif()
message(STATUS "lorag: distributed training: Gloo ${LORAG_HAVE_C10D_GLOO}, NCCL ${LORAG_HAVE_C10D_NCCL}")

function(lorag_enable_distributed target)
  set(defs "")
  set(dirs "")
  if(LORAG_HAVE_C10D_GLOO)
    list(APPEND defs USE_DISTRIBUTED USE_C10D_GLOO LORAG_HAVE_C10D=1)
    # /usr/include (Debian's) must not become an -isystem flag: it breaks libstdc++'s #include_next.
    if(NOT LORAG_GLOO_INCLUDE_DIR IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
      list(APPEND dirs ${LORAG_GLOO_INCLUDE_DIR})
    endif()
  endif()
  if(LORAG_HAVE_C10D_NCCL)
    list(APPEND defs USE_C10D_NCCL LORAG_HAVE_NCCL=1)
    list(APPEND dirs ${LORAG_NCCL_INCLUDE_DIR})
  endif()
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target} PROPERTIES
    COMPILE_DEFINITIONS "${defs}" INCLUDE_DIRECTORIES "${dirs}" SKIP_PRECOMPILE_HEADERS ON)
endfunction()
