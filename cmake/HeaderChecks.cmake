# Header hygiene checks, included from tests/CMakeLists.txt.
#
# (a) Self-containment: one generated TU per public header that includes only that header (twice, to
#     also check the include guard), compiled with our warnings into the OBJECT library
#     qtz_header_check (EXCLUDE_FROM_ALL). The ctest test headers/self_contained builds it.
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
