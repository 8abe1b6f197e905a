// Hot element-wise loops are compiled three times, for AVX-512 (x86-64-v4), AVX2 (v3) and baseline x86-64, and the
// best for the CPU is picked when the library loads (GCC target_clones, an ifunc). Every width runs the same IEEE
// float32 operations in the same order (no FMA: the build has -ffp-contract=off), so results never depend on the CPU.
// OpenMP regions stay outside cloned functions: a clone calls no parallel region, it is called per chunk.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ADABM_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ADABM_VECTOR_CLONES
#endif
