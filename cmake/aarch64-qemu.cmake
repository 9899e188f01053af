# Cross toolchain: aarch64 Linux with g++-aarch64-linux-gnu; binaries run under qemu-user.
# Catch2 2.13's catch_discover_tests runs each test binary POST_BUILD, so the emulator is needed at
# build time as well as for ctest.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
# BOTH, not ONLY: the header-only configs of Eigen3 and Catch2 live in /usr/share and /usr/lib/cmake.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
