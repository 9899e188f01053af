# Fuzz harnesses (docs/robustness.md §4), included from tests/CMakeLists.txt.
#
# Every harness tests/fuzz/fuzz_<name>.cpp defines LLVMFuzzerTestOneInput and is built twice:
#   fuzz_<name>_replay   with any compiler, linked with replay_main.cpp; the ctest test
#                        fuzz/<name>/replay runs it over the committed corpus tests/fuzz/corpus/<name>/
#                        (and so under the ASan+UBSan preset too);
#   fuzz_<name>          the libFuzzer binary, only with -DQTZ_BUILD_FUZZERS=ON and clang
#                        (-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all).
# .ci/run's fuzz stage builds the libFuzzer binaries and runs each for a fixed time.
option(QTZ_BUILD_FUZZERS "Build the libFuzzer harnesses (clang only)" OFF)

set(_qtz_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(QTZ_FUZZ_HARNESSES quantize calibrators npy)
# (d) compiles the command-line tool's source (its PARAMS.json reader is not a library function).
if(EXISTS ${PROJECT_SOURCE_DIR}/examples/tools/qtz_cli.cpp)
  find_package(nlohmann_json 3 QUIET)
  if(nlohmann_json_FOUND)
    list(APPEND QTZ_FUZZ_HARNESSES params_json)
  else()
    message(STATUS "qtz: nlohmann_json not found; fuzz harness params_json skipped")
  endif()
endif()

if(QTZ_BUILD_FUZZERS AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "QTZ_BUILD_FUZZERS=ON needs clang (libFuzzer); CMAKE_CXX_COMPILER is ${CMAKE_CXX_COMPILER_ID}")
endif()

foreach(_h IN LISTS QTZ_FUZZ_HARNESSES)
  set(_src ${_qtz_fuzz_dir}/fuzz_${_h}.cpp)
  add_executable(fuzz_${_h}_replay ${_src} ${_qtz_fuzz_dir}/replay_main.cpp)
  target_link_libraries(fuzz_${_h}_replay PRIVATE qtz::qtz qtz_warnings)
  qtz_test_fast_compile(fuzz_${_h}_replay)
  if(_h STREQUAL "params_json")
    target_link_libraries(fuzz_${_h}_replay PRIVATE nlohmann_json::nlohmann_json)
  endif()
  add_test(NAME fuzz/${_h}/replay COMMAND fuzz_${_h}_replay ${_qtz_fuzz_dir}/corpus/${_h})
  set_tests_properties(fuzz/${_h}/replay PROPERTIES LABELS fuzz)

  if(QTZ_BUILD_FUZZERS)
    add_executable(fuzz_${_h} ${_src})
    target_link_libraries(fuzz_${_h} PRIVATE qtz::qtz qtz_warnings)
    if(_h STREQUAL "params_json")
      target_link_libraries(fuzz_${_h} PRIVATE nlohmann_json::nlohmann_json)
    endif()
    set(_san -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_compile_options(fuzz_${_h} PRIVATE -g -O1 ${_san})
    target_link_options(fuzz_${_h} PRIVATE ${_san})
  endif()
endforeach()
