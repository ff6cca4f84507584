# SPDX-License-Identifier: Apache-2.0
# lorag_faiss_wrap(TARGET): routes FAISS's scalar distance loops to lorag's SIMD
# kernels (rag/faiss_kernels.cpp) with `-Wl,--wrap`, but only where that is known
# to work: a static FAISS archive that defines every wrapped symbol. `--wrap`
# redirects references between object files, so a shared libfaiss (whose internal
# calls never reach our linker) or one built with other symbols would silently
# keep the scalar path; then the build warns and links FAISS as it is.
# Sets LORAG_FAISS_WRAPPED (cache-free, parent scope) and the compile definition
# LORAG_FAISS_WRAPPED=1 on TARGET, which tests read to expect the kernels.

# The one list of wrapped names (mangled, as `--wrap` wants them); each has a
# `__wrap_` definition in rag/faiss_kernels.cpp.
set(LORAG_FAISS_WRAPPED_SYMBOLS
  _ZN5faiss18fvec_inner_productEPKfS1_m   # faiss::fvec_inner_product(const float*, const float*, size_t)
  _ZN5faiss10fvec_L2sqrEPKfS1_m           # faiss::fvec_L2sqr(const float*, const float*, size_t)
  _ZN5faiss15fvec_norm_L2sqrEPKfm)        # faiss::fvec_norm_L2sqr(const float*, size_t)

function(lorag_faiss_wrap target)
  set(LORAG_FAISS_WRAPPED OFF PARENT_SCOPE)
  if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    return()  # the kernels are x86 SIMD; elsewhere FAISS's own code runs
  endif()
  set(archive "")
  foreach(config NONE RELEASE NOCONFIG "")
    if(config)
      get_target_property(archive faiss IMPORTED_LOCATION_${config})
    else()
      get_target_property(archive faiss IMPORTED_LOCATION)
    endif()
    if(archive)
      break()
    endif()
  endforeach()
  if(NOT archive OR NOT archive MATCHES "\\.a$")
    message(WARNING "lorag: FAISS is not a static archive (${archive}); its distance loops stay FAISS's own")
    return()
  endif()
  find_program(LORAG_NM NAMES ${CMAKE_NM} nm)
  execute_process(COMMAND ${LORAG_NM} --defined-only ${archive}
    OUTPUT_VARIABLE defined ERROR_QUIET RESULT_VARIABLE rc)
  foreach(sym ${LORAG_FAISS_WRAPPED_SYMBOLS})
    if(NOT rc EQUAL 0 OR NOT defined MATCHES " T ${sym}\n")
      message(WARNING "lorag: ${archive} does not define ${sym}; FAISS's distance loops stay its own")
      return()
    endif()
  endforeach()
  foreach(sym ${LORAG_FAISS_WRAPPED_SYMBOLS})
    target_link_options(${target} INTERFACE "LINKER:--wrap=${sym}")
  endforeach()
  target_compile_definitions(${target} PUBLIC LORAG_FAISS_WRAPPED=1)
  message(STATUS "lorag: FAISS distance loops wrapped (${archive})")
  set(LORAG_FAISS_WRAPPED ON PARENT_SCOPE)
endfunction()
