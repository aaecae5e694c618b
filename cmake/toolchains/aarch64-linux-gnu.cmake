# Cross build for 64-bit ARM Linux with Debian's cross compiler (apt-get install g++-aarch64-linux-gnu
# qemu-user):
#   cmake -S . -B build-aarch64 --toolchain cmake/toolchains/aarch64-linux-gnu.cmake -DHQC_STATIC=ON
#   cmake --build build-aarch64 && (cd build-aarch64 && ctest)
# CMAKE_CROSSCOMPILING_EMULATOR makes ctest run every test binary under qemu-aarch64; -L points qemu
# at the target's loader and libraries, which a dynamically linked binary needs (a static one does not).
# aarch64: the NEON kernels beside the scalar ones (CMakeLists.txt, HQC_ARM_NEON); HQC_SIMD=scalar forces
# the scalar level, whose results are the same bits as on x86-64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(HQC_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${HQC_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${HQC_CROSS_TRIPLE}-g++)
set(HQC_CROSS_SYSROOT /usr/${HQC_CROSS_TRIPLE})

find_program(HQC_QEMU_AARCH64 qemu-aarch64)
if(HQC_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HQC_QEMU_AARCH64} -L ${HQC_CROSS_SYSROOT})
endif()

# Libraries of the target come from the cross sysroot; programs (cmake, python3) and the header-only
# stb and doctest (no machine code until compiled) from the host.
set(CMAKE_FIND_ROOT_PATH ${HQC_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
