#ifndef PLASTICITY_CPU_GUARD_H
#define PLASTICITY_CPU_GUARD_H

/// 1 when this binary was compiled for AVX2 and FMA (make's default where the build machine has them,
/// -DPLASTICITY_REQUIRES_AVX2_FMA), 0 for a portable build.
int plasticity_build_requires_avx2_fma(void);

#endif
