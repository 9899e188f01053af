# Warning flags for qtz's OWN translation units (tests, examples, benchmarks, header checks).
# Linked PRIVATE by those targets; never part of the exported qtz::qtz.
if(TARGET qtz_warnings)
  return()
endif()
add_library(qtz_warnings INTERFACE)
target_compile_options(qtz_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:-Wall -Wextra -Wpedantic -Wconversion -Wshadow>
  $<$<AND:$<BOOL:${QTZ_WERROR}>,$<CXX_COMPILER_ID:GNU,Clang,AppleClang>>:-Werror>
  $<$<CXX_COMPILER_ID:MSVC>:/W4 /permissive->
  $<$<AND:$<BOOL:${QTZ_WERROR}>,$<CXX_COMPILER_ID:MSVC>>:/WX>)
