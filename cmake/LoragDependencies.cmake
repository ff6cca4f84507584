# SPDX-License-Identifier: Apache-2.0
# Finds every package of lorag's stack; a missing one stops the configure with
# a message naming the package and how to install it.

set(LORAG_INSTALL_HINT "run scripts/setup.sh, which installs everything lorag needs")

function(lorag_require found what how)
  if(NOT ${found})
    message(FATAL_ERROR "lorag: ${what} not found. Install it with: ${how} (or ${LORAG_INSTALL_HINT})")
  endif()
endfunction()

# LibTorch: an explicit Torch_DIR wins; otherwise the torch wheel in .venv.
if(NOT Torch_DIR AND NOT DEFINED ENV{Torch_DIR})
  foreach(py ${CMAKE_CURRENT_SOURCE_DIR}/.venv/bin/python3 python3)
    execute_process(COMMAND ${py} -c "import torch;print(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND torch_prefix)
      list(APPEND CMAKE_PREFIX_PATH ${torch_prefix})
      break()
    endif()
  endforeach()
endif()

# Torch's CMake config looks for the CUDA toolkit itself when the build has CUDA,
# even with LORAG_CUDA off: stop it from probing for a GPU (there is none on CI).
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
endif()
if(LORAG_CUDA)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80 90)  # A100, H100/H200
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
  else()
    message(WARNING "lorag: nvcc not found; building without lorag's CUDA kernels (LibTorch still runs on CUDA)")
    set(LORAG_CUDA OFF)
  endif()
endif()

find_package(Torch QUIET)
lorag_require(Torch_FOUND "LibTorch (the torch Python wheel's CMake config)"
  "python3 -m venv .venv && .venv/bin/pip install torch, or pass -DTorch_DIR=/path/to/libtorch/share/cmake/Torch")
# Torch's config sets CMAKE_CUDA_STANDARD to the C++ standard (20), which CMake
# 3.25 cannot express for nvcc; lorag's kernels pass -std=c++20 themselves.
# nvcc 13 defaults to C++20 too, which CMake 3.25 also cannot name: clearing the
# default stops CMake from managing the CUDA dialect at all.
unset(CMAKE_CUDA_STANDARD)
unset(CMAKE_CUDA_STANDARD_REQUIRED)
set(CMAKE_CUDA_STANDARD_DEFAULT "")

# lorag_torch_cpu: LibTorch for every library but the CUDA plugin. It compiles
# exactly as against torch's own target (headers, definitions, options) but links
# only libtorch_cpu and libc10: TORCH_LIBRARIES also links libtorch_cuda, whose
# CUDA libraries (cuBLAS, cuSPARSE, ...) cost a CPU run ~400 MiB at load. The
# CUDA side is liblorag_cuda.so (cmake/LoragCudaPlugin.cmake), loaded on demand.
add_library(lorag_torch_cpu INTERFACE)
target_include_directories(lorag_torch_cpu SYSTEM INTERFACE $<TARGET_PROPERTY:torch,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(lorag_torch_cpu INTERFACE $<TARGET_PROPERTY:torch,INTERFACE_COMPILE_DEFINITIONS>)
target_compile_options(lorag_torch_cpu INTERFACE $<TARGET_PROPERTY:torch,INTERFACE_COMPILE_OPTIONS>)
target_link_libraries(lorag_torch_cpu INTERFACE torch_cpu c10)
# LibTorch's at::parallel_for is a header template whose body is `#pragma omp
# parallel`: compiled without OpenMP, every parallel_for in lorag's own code (the
# quantized kernels) silently runs on one thread. Torch's target does not carry the
# flag, so lorag adds it. The runtime must be the one LibTorch loads: the wheel's
# own libgomp where it ships one (two OpenMP runtimes would each keep a thread pool).
find_package(OpenMP QUIET)
if(OpenMP_CXX_FOUND)
  target_compile_options(lorag_torch_cpu INTERFACE $<$<COMPILE_LANGUAGE:CXX>:${OpenMP_CXX_FLAGS}>)
  get_filename_component(lorag_torch_lib_dir "${TORCH_LIBRARY}" DIRECTORY)
  file(GLOB lorag_torch_gomp "${lorag_torch_lib_dir}/libgomp*.so*")
  if(lorag_torch_gomp)
    list(GET lorag_torch_gomp 0 lorag_torch_gomp)
    target_link_libraries(lorag_torch_cpu INTERFACE "${lorag_torch_gomp}")
  else()
    target_link_libraries(lorag_torch_cpu INTERFACE ${OpenMP_CXX_LIBRARIES})
  endif()
else()
  message(WARNING "lorag: no OpenMP for C++; lorag's own kernels will run on one thread")
endif()
# The plugin needs a LibTorch built with CUDA; lorag's kernels in it also need nvcc
# (LORAG_CUDA), without which CUDA runs use LibTorch's operators alone.
set(LORAG_CUDA_PLUGIN OFF)
if(TARGET torch_cuda)
  set(LORAG_CUDA_PLUGIN ON)
endif()
# Torch's flags carry -D_GLIBCXX_USE_CXX11_ABI; everything we link must share them.
set(CMAKE_CXX_FLAGS "${CMAKE_CXX_FLAGS} ${TORCH_CXX_FLAGS}")
# The torch wheel finds its CUDA libraries (NCCL, cuDNN, ...) through an $ORIGIN
# rpath that the linker does not expand; point the linker at them so it does not
# pick up an older system copy (e.g. the CUDA toolkit's NCCL).
get_filename_component(LORAG_TORCH_LIB_DIR "${TORCH_LIBRARY}" DIRECTORY)
file(GLOB LORAG_TORCH_NVIDIA_LIB_DIRS "${LORAG_TORCH_LIB_DIR}/../../nvidia/*/lib")
foreach(dir ${LORAG_TORCH_NVIDIA_LIB_DIRS})
  add_link_options("LINKER:-rpath-link,${dir}")
endforeach()

find_package(PkgConfig)
lorag_require(PKG_CONFIG_FOUND "pkg-config" "apt-get install pkg-config")
pkg_check_modules(SENTENCEPIECE IMPORTED_TARGET sentencepiece)
lorag_require(SENTENCEPIECE_FOUND "sentencepiece" "apt-get install libsentencepiece-dev")
pkg_check_modules(PCRE2 IMPORTED_TARGET libpcre2-8)
lorag_require(PCRE2_FOUND "PCRE2 (Unicode regex for tokenizer pre-tokenizers)" "apt-get install libpcre2-dev")

pkg_check_modules(CPPHTTPLIB IMPORTED_TARGET cpp-httplib)
lorag_require(CPPHTTPLIB_FOUND "cpp-httplib (the HTTP server of lorag serve)" "apt-get install libcpp-httplib-dev")

find_package(nlohmann_json 3.10 QUIET)
lorag_require(nlohmann_json_FOUND "nlohmann-json" "apt-get install nlohmann-json3-dev")

find_package(faiss QUIET)
lorag_require(faiss_FOUND "FAISS" "apt-get install libfaiss-dev libopenblas-dev libomp-dev")

find_package(HDF5 QUIET COMPONENTS C)
lorag_require(HDF5_FOUND "HDF5" "apt-get install libhdf5-dev")

find_package(Boost 1.71 QUIET COMPONENTS program_options)
lorag_require(Boost_FOUND "Boost.Program_options" "apt-get install libboost-program-options-dev")

find_package(Threads REQUIRED)

if(LORAG_BUILD_TESTS)
  find_package(GTest QUIET)
  lorag_require(GTest_FOUND "GoogleTest" "apt-get install libgtest-dev libgmock-dev")
  include(GoogleTest)
endif()

# lorag_link_torch_first(TARGET): puts LibTorch's CPU library first among an
# executable's shared libraries. FAISS pulls in the system BLAS, whose sgemm_
# would otherwise come earlier in the dynamic symbol search than LibTorch's own
# and replace it (decode about 8x slower on CPU).
function(lorag_link_torch_first target)
  if(TARGET torch_cpu)
    target_link_options(${target} BEFORE PRIVATE "-Wl,--push-state,--no-as-needed"
      "$<TARGET_FILE:torch_cpu>" "-Wl,--pop-state")
  endif()
endfunction()
