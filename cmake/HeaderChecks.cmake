# Header hygiene checks, included from tests/CMakeLists.txt.
#
# (a) Self-containment: one generated TU per public header that includes only that header (twice, to
#     also check the include guard), compiled with our warnings into the OBJECT library
#     qtz_header_check (EXCLUDE_FROM_ALL). The ctest test headers/self_contained builds it.
# (c) tests/hygiene/instantiate.cpp compiled with -march=x86-64, x86-64-v3 and x86-64-v4 (x86-64 hosts,
#     GCC/Clang; OBJECT libraries qtz_header_check_<march>, EXCLUDE_FROM_ALL, built by the ctest tests
#     headers/self_contained_<march>): the dispatch code must compile whatever the baseline ISA is
#     (target attributes vs. -m flags, intrinsics redefinitions, AVX-512 on a v4 baseline). That TU
#     includes <qtz/qtz.hpp> and instantiates every dispatched kernel and entry point: a TU that only
#     includes a header emits no inline function and instantiates no template, so it would not
#     compile the kernels' code at all.
# (d) aarch64: every public header through `aarch64-linux-gnu-g++ -fsyntax-only` (test
#     headers/aarch64_syntax) when that cross compiler exists and this build is not itself cross.
#     (c) and (d) are skipped with QTZ_HEADER_MARCH_CHECKS=OFF (the sanitizer preset does).
# (b) Two-TU link: tests/hygiene/tu_a.cpp + tu_b.cpp both include <qtz/qtz.hpp> and are linked into
#     one executable, so a non-inline definition in a header fails the link (ODR / multiple definition).

file(GLOB_RECURSE QTZ_PUBLIC_HEADERS CONFIGURE_DEPENDS
  RELATIVE ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_SOURCE_DIR}/include/qtz/*.hpp)
list(SORT QTZ_PUBLIC_HEADERS)

set(_qtz_hc_dir ${CMAKE_CURRENT_BINARY_DIR}/header_check)
set(_qtz_hc_sources)
foreach(_h IN LISTS QTZ_PUBLIC_HEADERS)
  string(MAKE_C_IDENTIFIER "${_h}" _id)
  set(_src ${_qtz_hc_dir}/${_id}.cpp)
  # file(CONFIGURE) rewrites the file only when its content changes: no needless rebuilds.
  file(CONFIGURE OUTPUT ${_src}
    CONTENT "// generated: ${_h} must compile on its own\n#include <${_h}>\n#include <${_h}>\n"
    @ONLY)
  list(APPEND _qtz_hc_sources ${_src})
endforeach()

if(_qtz_hc_sources)
  add_library(qtz_header_check OBJECT EXCLUDE_FROM_ALL ${_qtz_hc_sources})
  target_link_libraries(qtz_header_check PRIVATE qtz::qtz qtz_warnings)
  get_property(_qtz_multi GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(_qtz_multi)
    set(_qtz_cfg --config $<CONFIG>)
  else()
    set(_qtz_cfg)
  endif()
  add_test(NAME headers/self_contained
    COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target qtz_header_check ${_qtz_cfg})
  set_tests_properties(headers/self_contained PROPERTIES LABELS headers TIMEOUT 900)

  option(QTZ_HEADER_MARCH_CHECKS "Header checks under -march=x86-64/-v3/-v4 and aarch64 -fsyntax-only" ON)
  if(QTZ_HEADER_MARCH_CHECKS AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang"
     AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    include(CheckCXXCompilerFlag)
    foreach(_march IN ITEMS x86-64 x86-64-v3 x86-64-v4)
      string(MAKE_C_IDENTIFIER "${_march}" _mid)
      check_cxx_compiler_flag(-march=${_march} QTZ_HAS_MARCH_${_mid})
      if(NOT QTZ_HAS_MARCH_${_mid})
        message(STATUS "qtz: ${CMAKE_CXX_COMPILER} lacks -march=${_march}; header check skipped")
        continue()
      endif()
      add_library(qtz_header_check_${_mid} OBJECT EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/hygiene/instantiate.cpp)
      target_link_libraries(qtz_header_check_${_mid} PRIVATE qtz::qtz qtz_warnings)
      # -O1: the kernels are emitted and their target attributes and inlining checked (always_inline
      # fails at any level); -O3 warnings come from the optimised test builds.
      target_compile_options(qtz_header_check_${_mid} PRIVATE -march=${_march} -O1)
      add_test(NAME headers/self_contained_${_march}
        COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target qtz_header_check_${_mid} ${_qtz_cfg})
      set_tests_properties(headers/self_contained_${_march} PROPERTIES LABELS headers TIMEOUT 900)
    endforeach()
  endif()

  if(QTZ_HEADER_MARCH_CHECKS AND NOT CMAKE_CROSSCOMPILING)
    find_program(QTZ_AARCH64_CXX aarch64-linux-gnu-g++)
    find_path(QTZ_EIGEN_INCLUDE_DIR Eigen/Core PATH_SUFFIXES eigen3)
    if(QTZ_AARCH64_CXX AND QTZ_EIGEN_INCLUDE_DIR)
      # A generated script: one -fsyntax-only compile per header, all reported, any failure fails.
      set(_a64_script ${CMAKE_CURRENT_BINARY_DIR}/header_check_aarch64.cmake)
      file(CONFIGURE OUTPUT ${_a64_script} CONTENT [=[
set(headers "@_qtz_hc_sources@")  # the generated TUs of (a): each includes one header twice
set(failed "")
foreach(h IN LISTS headers)
  execute_process(
    COMMAND "@QTZ_AARCH64_CXX@" -std=c++17 -fsyntax-only -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror
            -Wno-psabi -I "@PROJECT_SOURCE_DIR@/include" -isystem "@QTZ_EIGEN_INCLUDE_DIR@" "${h}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message("aarch64 -fsyntax-only FAILED: ${h}
${out}")
    list(APPEND failed ${h})
  endif()
endforeach()
list(LENGTH headers n)
if(failed)
  message(FATAL_ERROR "aarch64 header check: failed for ${failed}")
endif()
message("aarch64 -fsyntax-only: ${n} headers OK")
]=] @ONLY)
      add_test(NAME headers/aarch64_syntax COMMAND ${CMAKE_COMMAND} -P ${_a64_script})
      set_tests_properties(headers/aarch64_syntax PROPERTIES LABELS headers TIMEOUT 600)
    else()
      message(STATUS "qtz: aarch64-linux-gnu-g++ not found; headers/aarch64_syntax skipped")
    endif()
  endif()
endif()

add_executable(qtz_two_tu
  ${CMAKE_CURRENT_SOURCE_DIR}/hygiene/tu_a.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/hygiene/tu_b.cpp)
target_link_libraries(qtz_two_tu PRIVATE qtz::qtz)
# Deliberately not qtz_warnings (no -Wconversion, no -m flags): what a typical strict user compiles with.
target_compile_options(qtz_two_tu PRIVATE
  $<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:-Wall -Wextra -Wpedantic -Werror>
  $<$<CXX_COMPILER_ID:MSVC>:/W4 /WX>)
add_test(NAME headers/two_tu COMMAND qtz_two_tu)  # goes through CMAKE_CROSSCOMPILING_EMULATOR
set_tests_properties(headers/two_tu PROPERTIES LABELS headers)
