# Cross-builds native/ for aarch64 Linux on an x86-64 Debian machine with Debian's packages:
#   g++-aarch64-linux-gnu (the compiler and its sysroot /usr/aarch64-linux-gnu), libarm-compute-dev:arm64 (ACL, under
#   the multiarch paths /usr/include/aarch64-linux-gnu and /usr/lib/aarch64-linux-gnu) and qemu-user (to run tests).
# cmake -S . -B target/cmake-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DADABM_NATIVE_OUT=...
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# test programs run under user-mode emulation with the cross toolchain's loader and runtime (that loader with the
# multiarch arm64 glibc of /lib/aarch64-linux-gnu hangs in pthread_create)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu;-E;LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)
# where Debian's arm64 packages put ACL when installed beside the host's (multiarch)
set(ACL_ROOT_HINTS /usr/include/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu)
