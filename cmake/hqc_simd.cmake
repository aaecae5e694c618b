# hqc_simd_sources(<target> AVX2 <file>... AVX512 <file>... [NEON <file>...])
#
# A library's kernels compiled once per instruction set. On x86-64 each AVX2 file gets -mavx2 -mfma,
# each AVX-512 file -mavx512f/dq/bw/vl and -mfma, and <target> gets HQC_X86_SIMD so that it registers
# them beside its scalar kernels; which set runs is chosen at run time from cpuid (tensor/simd.hpp).
# Only these files carry -m flags, so the rest of the binary runs on any x86-64. On aarch64 the NEON
# files are compiled instead (NEON is in the base instruction set: no flag) and <target> gets
# HQC_ARM_NEON. Without either (HQC_PORTABLE, or another CPU) the files are left out and the target
# has its scalar kernels only.
# These files alone keep GCC's contraction of a*b+c into FMA (-ffp-contract=fast; the rest of the
# project is built with off, CMakeLists.txt): their plainly written lines (the quantum gate kernels,
# the scalar tails of dot products, sigmoid and tanh, two Winograd rows) compile to FMA, and the AVX2,
# AVX-512 and NEON results are computed so. (quantum has no NEON file: contracted, its loops gave a
# sample bits that depended on its batch position; quantum/simd/kernels.cpp.) The scalar kernels, on
# x86 and on ARM, are the ones without contraction, which is why only the scalar level gives the
# same bits on every CPU.
# Call it in the library's own CMakeLists.txt: file names are relative to that folder.
function(hqc_simd_sources target)
  cmake_parse_arguments(ARG "" "" "AVX2;AVX512;NEON" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "hqc_simd_sources(${target}): '${ARG_UNPARSED_ARGUMENTS}' follows no AVX2, AVX512 or NEON keyword")
  endif()
  if(HQC_ARM_NEON AND ARG_NEON)
    set_source_files_properties(${ARG_NEON} PROPERTIES COMPILE_OPTIONS "-ffp-contract=fast")
    target_sources(${target} PRIVATE ${ARG_NEON})
    target_compile_definitions(${target} PRIVATE HQC_ARM_NEON)
  endif()
  if(NOT HQC_X86_SIMD)
    return()
  endif()
  # GCC warns about _mm512_undefined_ps() inside its own AVX-512 headers when sanitizers are on (a
  # known false positive); these flags silence only that, in the AVX-512 files.
  set(avx512_quiet "")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(avx512_quiet -Wno-maybe-uninitialized -Wno-uninitialized)
  endif()
  if(ARG_AVX2)
    set_source_files_properties(${ARG_AVX2} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-ffp-contract=fast")
  endif()
  if(ARG_AVX512)
    set_source_files_properties(${ARG_AVX512} PROPERTIES
      COMPILE_OPTIONS "-mavx512f;-mavx512dq;-mavx512bw;-mavx512vl;-mfma;-ffp-contract=fast;${avx512_quiet}")
  endif()
  target_sources(${target} PRIVATE ${ARG_AVX2} ${ARG_AVX512})
  target_compile_definitions(${target} PRIVATE HQC_X86_SIMD)
endfunction()
