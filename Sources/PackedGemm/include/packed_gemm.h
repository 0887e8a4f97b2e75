#ifndef PACKED_GEMM_H
#define PACKED_GEMM_H

#include <stddef.h>

/// Doubles a buffer needs to hold op(B) (k × n) packed by packed_gemm_pack, alignment slack included.
size_t packed_gemm_buffer_count(int n, int k);

/// Whether this CPU runs the packed kernel (AVX2 and FMA).
int packed_gemm_cpu_supported(void);

/// Packs op(B), k × n (trans = 0: B is k × n, row-major, leading dimension ldb; trans = 1: B is
/// n × k), into `buffer` (packed_gemm_buffer_count doubles): panels of 12 columns, k-major.
void packed_gemm_pack(int trans, int n, int k, const double *b, int ldb, double *buffer);

/// C = A · op(B) (accumulate = 0) or C = C + A · op(B) (accumulate = 1), A m × k (row-major, lda),
/// C m × n (ldc), op(B) packed in `buffer`; m must be a multiple of 4. Each element is one chain of
/// fused multiply-adds over k in order, from 0, then stored or added to C.
void packed_gemm(int m, int n, int k, const double *a, int lda, const double *buffer, double *c, int ldc, int accumulate);

#endif
