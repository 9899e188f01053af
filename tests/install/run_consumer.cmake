# Driver for the consumer-project tests (cmake -P). Configures, builds and runs one consumer project.
#
#   -DMODE=find_package|add_subdirectory|fetch_content
#   -DQTZ_SOURCE_DIR=<qtz source>  -DQTZ_BINARY_DIR=<qtz build tree, installed for find_package>
#   -DCONSUMER_SOURCE_DIR=<tests/install/MODE>  -DWORK_DIR=<scratch dir, wiped first>
#   -DGENERATOR=... -DMAKE_PROGRAM=... -DCXX_COMPILER=... -DCXX_FLAGS=... -DCONFIG=...
#   -DTOOLCHAIN_FILE=<optional, cross builds>  -DEigen3_DIR=<optional>
cmake_minimum_required(VERSION 3.21)

foreach(_var MODE QTZ_SOURCE_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${_var}=... is required")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()

function(run_step name)
  string(REPLACE ";" " " _pretty "${ARGN}")
  message(STATUS "[${MODE}] ${name}: ${_pretty}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message("${_out}")
    message(FATAL_ERROR "[${MODE}] ${name} failed (${_rc})")
  endif()
  set(STEP_OUTPUT "${_out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_build "${WORK_DIR}/build")

set(_args -S "${CONSUMER_SOURCE_DIR}" -B "${_build}" -G "${GENERATOR}"
  "-DCMAKE_BUILD_TYPE=${CONFIG}" "-DQTZ_SOURCE_DIR=${QTZ_SOURCE_DIR}")
if(MAKE_PROGRAM)
  list(APPEND _args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(TOOLCHAIN_FILE)
  list(APPEND _args "-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN_FILE}")
elseif(CXX_COMPILER)
  list(APPEND _args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(CXX_FLAGS)
  list(APPEND _args "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")
endif()
if(Eigen3_DIR)
  list(APPEND _args "-DEigen3_DIR=${Eigen3_DIR}")
endif()

if(MODE STREQUAL "find_package")
  if(NOT QTZ_BINARY_DIR)
    message(FATAL_ERROR "find_package mode needs -DQTZ_BINARY_DIR")
  endif()
  set(_prefix "${WORK_DIR}/prefix")
  # Header-only: installing needs no build of the tree, only its generated config files.
  run_step(install ${CMAKE_COMMAND} --install "${QTZ_BINARY_DIR}" --prefix "${_prefix}" --config "${CONFIG}")
  foreach(_f include/qtz/qtz.hpp share/cmake/qtz/qtzConfig.cmake share/cmake/qtz/qtzConfigVersion.cmake
             share/cmake/qtz/qtzTargets.cmake share/pkgconfig/qtz.pc)
    if(NOT EXISTS "${_prefix}/${_f}")
      message(FATAL_ERROR "[${MODE}] not installed: ${_prefix}/${_f}")
    endif()
  endforeach()
  list(APPEND _args "-DCMAKE_PREFIX_PATH=${_prefix}")

  # pkg-config: relocatable qtz.pc (prefix=${pcfiledir}/../..), Requires eigen3.
  find_program(_pkg_config NAMES pkg-config pkgconf)
  if(_pkg_config)
    set(ENV{PKG_CONFIG_PATH} "${_prefix}/share/pkgconfig")
    run_step(pkg-config ${_pkg_config} --cflags qtz)
    string(STRIP "${STEP_OUTPUT}" _cflags)
    message(STATUS "[${MODE}] pkg-config --cflags qtz -> ${_cflags}")
    file(REAL_PATH "${_prefix}/include" _incdir)
    separate_arguments(_cflag_list UNIX_COMMAND "${_cflags}")
    set(_ok FALSE)
    foreach(_flag IN LISTS _cflag_list)
      if(_flag MATCHES "^-I(.+)$")
        set(_dir "${CMAKE_MATCH_1}")
        if(IS_DIRECTORY "${_dir}")
          file(REAL_PATH "${_dir}" _p)
          if(_p STREQUAL _incdir)
            set(_ok TRUE)
          endif()
        endif()
      endif()
    endforeach()
    if(NOT _ok)
      message(FATAL_ERROR "[${MODE}] pkg-config --cflags qtz does not point at ${_incdir}: '${_cflags}'")
    endif()
    # Compile and run a consumer from the pkg-config flags alone (native builds only).
    if(NOT TOOLCHAIN_FILE AND CXX_COMPILER)
      separate_arguments(_extra UNIX_COMMAND "${CXX_FLAGS}")
      run_step(pkg-config-compile ${CXX_COMPILER} -std=c++17 ${_extra} ${_cflag_list}
        "${CONSUMER_SOURCE_DIR}/main.cpp" -o "${WORK_DIR}/pkgconfig_consumer")
      run_step(pkg-config-run "${WORK_DIR}/pkgconfig_consumer")
    endif()
  else()
    message(STATUS "[${MODE}] pkg-config not found: pkg-config check skipped")
  endif()
endif()

run_step(configure ${CMAKE_COMMAND} ${_args})
run_step(build ${CMAKE_COMMAND} --build "${_build}" --config "${CONFIG}")
# The consumer registers its executable with add_test, so ctest applies CMAKE_CROSSCOMPILING_EMULATOR.
run_step(run ${CMAKE_CTEST_COMMAND} --test-dir "${_build}" -C "${CONFIG}" --output-on-failure
  --no-tests=error)
message(STATUS "[${MODE}] OK")
