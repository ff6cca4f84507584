# SPDX-License-Identifier: Apache-2.0
# liblorag_cuda.so: everything of lorag that touches CUDA (model/cuda/plugin: the
# kernels, when nvcc is there; infer/cuda: CUDA graphs, allocator statistics;
# train/cuda: NCCL), linked against libtorch_cuda. No lorag library links it: `lorag` dlopens it at
# start-up when the run asks for CUDA (model/cuda/cuda_plugin.h), and the gpu test
# binaries link it. It sits beside `lorag` (build/cli) and exports only its
# `lorag_cuda_*_ops` entry points; it calls nothing of lorag's static libraries.

# lorag_link_cuda_plugin(TARGET): links the plugin into an executable (the gpu
# test binaries), even though nothing references it by name: lorag finds its
# entry points with dlsym.
function(lorag_link_cuda_plugin target)
  if(TARGET lorag_cuda)
    add_dependencies(${target} lorag_cuda)
    # One option: CMake de-duplicates link options, and lorag_link_torch_first
    # already uses the same push/pop pair.
    target_link_options(${target} PRIVATE "-Wl,--push-state,--no-as-needed,$<TARGET_FILE:lorag_cuda>,--pop-state")
    set_property(TARGET ${target} APPEND PROPERTY BUILD_RPATH $<TARGET_FILE_DIR:lorag_cuda>)
  endif()
endfunction()

if(NOT LORAG_CUDA_PLUGIN)
  return()
endif()

# The kernels compile apart: LibTorch's targets carry the cxx_std_20 feature,
# which CMake 3.25 cannot map to nvcc, so they take the headers and flags directly.
if(LORAG_CUDA)
  file(GLOB LORAG_CUDA_KERNEL_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/model/cuda/plugin/*.cu)
  add_library(lorag_cuda_kernels OBJECT ${LORAG_CUDA_KERNEL_SOURCES})
  target_include_directories(lorag_cuda_kernels PRIVATE ${CMAKE_SOURCE_DIR} ${TORCH_INCLUDE_DIRS})
  string(REGEX MATCH "_GLIBCXX_USE_CXX11_ABI=[01]" LORAG_TORCH_ABI "${TORCH_CXX_FLAGS}")
  target_compile_definitions(lorag_cuda_kernels PRIVATE ${LORAG_TORCH_ABI})
  target_compile_options(lorag_cuda_kernels PRIVATE -std=c++20 --expt-relaxed-constexpr)
  set_target_properties(lorag_cuda_kernels PROPERTIES POSITION_INDEPENDENT_CODE ON CUDA_VISIBILITY_PRESET hidden)
endif()

file(GLOB LORAG_CUDA_PLUGIN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/model/cuda/plugin/*.cpp
  ${CMAKE_SOURCE_DIR}/infer/cuda/*.cpp)
if(LORAG_HAVE_C10D_NCCL)
  list(APPEND LORAG_CUDA_PLUGIN_SOURCES ${CMAKE_SOURCE_DIR}/train/cuda/nccl_ops.cpp)
endif()
add_library(lorag_cuda SHARED ${LORAG_CUDA_PLUGIN_SOURCES})
if(LORAG_CUDA)
  target_sources(lorag_cuda PRIVATE $<TARGET_OBJECTS:lorag_cuda_kernels>)
  target_compile_definitions(lorag_cuda PRIVATE LORAG_CUDA_KERNELS=1)
endif()
target_link_libraries(lorag_cuda PRIVATE ${TORCH_LIBRARIES})
# Only the entry points are exported; the static CUDA runtime stays private too.
set_target_properties(lorag_cuda PROPERTIES CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/cli)
target_link_options(lorag_cuda PRIVATE "LINKER:--exclude-libs,ALL")
if(LORAG_HAVE_C10D_NCCL)
  lorag_enable_distributed(lorag_cuda ${CMAKE_SOURCE_DIR}/train/cuda/nccl_ops.cpp)
endif()
