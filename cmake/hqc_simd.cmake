# hqc_simd_sources(<target> AVX2 <file>... AVX512 <file>...)
#
# A library's kernels compiled once per x86 instruction set: each AVX2 file gets -mavx2 -mfma, each
# AVX-512 file -mavx512f/dq/bw/vl and -mfma, and <target> gets HQC_X86_SIMD so that it registers them
# beside its scalar kernels; which set runs is chosen at run time from cpuid (tensor/simd.hpp). Only
# these files carry -m flags, so the rest of the binary runs on any x86-64. Without HQC_X86_SIMD
# (HQC_PORTABLE, or not x86) the files are left out and the target has its scalar kernels only.
# These files alone keep GCC's contraction of a*b+c into FMA (-ffp-contract=fast; the rest of the
# project is built with off, CMakeLists.txt): their plainly written lines (the quantum gate kernels,
# the scalar tails of dot products, sigmoid and tanh, two Winograd rows) compile to FMA under -mfma,
# and the AVX2 and AVX-512 results have always been computed so. The scalar kernels, on x86 and on
# ARM, are the ones without contraction.
# Call it in the library's own CMakeLists.txt: file names are relative to that folder.
function(hqc_simd_sources target)
  cmake_parse_arguments(ARG "" "" "AVX2;AVX512" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "hqc_simd_sources(${target}): '${ARG_UNPARSED_ARGUMENTS}' follows no AVX2 or AVX512 keyword")
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
