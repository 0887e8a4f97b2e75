// A dense product whose right-hand operand is packed once and reused (the recurrent weights of every
// step of a pass): OpenBLAS repacks it on every call, which was 16-21% of a BPTT step (docs/performance.md).
// Each element is one chain of fused multiply-adds over k in order, started from 0 and then stored
// (or added to C): the same operations, in the same order, as OpenBLAS's Haswell/Zen dgemm kernel for
// k <= 256 and m a multiple of 4, so results are bit-identical to cblas_dgemm there. Dense checks
// that on the running machine before using it (BLAS+Packed.swift) and otherwise calls OpenBLAS.
#include "packed_gemm.h"

#include <stdint.h>

#if defined(__x86_64__)
#define PANEL 12

static double *aligned(double *buffer) { return (double *)(((uintptr_t)buffer + 31) & ~(uintptr_t)31); }
static const double *aligned_const(const double *buffer) { return (const double *)(((uintptr_t)buffer + 31) & ~(uintptr_t)31); }

size_t packed_gemm_buffer_count(int n, int k) { return (size_t)((n + PANEL - 1) / PANEL) * PANEL * (size_t)k + 4; }

int packed_gemm_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

void packed_gemm_pack(int trans, int n, int k, const double *b, int ldb, double *buffer) {
    double *packed = aligned(buffer);
    for (int j0 = 0; j0 < n; j0 += PANEL) {
        double *dst = packed + (size_t)j0 * k;
        int width = n - j0 < PANEL ? n - j0 : PANEL;
        for (int kk = 0; kk < k; kk++, dst += PANEL) {
            int c = 0;
            if (trans) for (; c < width; c++) dst[c] = b[(size_t)(j0 + c) * ldb + kk];
            else for (; c < width; c++) dst[c] = b[(size_t)kk * ldb + j0 + c];
            for (; c < PANEL; c++) dst[c] = 0;  // padding columns: computed, never stored
        }
    }
}

// Written in assembly: with intrinsics clang kept one of the 12 accumulators in memory, which halved
// the speed. 4 rows × 12 columns, k in order: acc(r, c) = fma(a[r][k], b[k][c], acc(r, c)) from 0; then
// C(r, c) = acc (accumulate 0) or C(r, c) + acc, for rows c0, c0 + ldc, ... (12 columns each).
static void tile(const double *a0, long lda, const double *b, long k, double *c0, long ldc, long accumulate) {
  const double *a3 = a0 + 3 * lda;
  double *c3 = c0 + 3 * ldc;
  long stride = lda * 8, cstride = ldc * 8;
  __asm__ volatile(
    "vxorpd %%ymm4,%%ymm4,%%ymm4\n\t vxorpd %%ymm5,%%ymm5,%%ymm5\n\t vxorpd %%ymm6,%%ymm6,%%ymm6\n\t"
    "vxorpd %%ymm7,%%ymm7,%%ymm7\n\t vxorpd %%ymm8,%%ymm8,%%ymm8\n\t vxorpd %%ymm9,%%ymm9,%%ymm9\n\t"
    "vxorpd %%ymm10,%%ymm10,%%ymm10\n\t vxorpd %%ymm11,%%ymm11,%%ymm11\n\t vxorpd %%ymm12,%%ymm12,%%ymm12\n\t"
    "vxorpd %%ymm13,%%ymm13,%%ymm13\n\t vxorpd %%ymm14,%%ymm14,%%ymm14\n\t vxorpd %%ymm15,%%ymm15,%%ymm15\n\t"
    "test %[k],%[k]\n\t jz 2f\n\t"
    ".p2align 4\n"
    "1:\n\t"
    "vmovapd (%[b]),%%ymm1\n\t vmovapd 32(%[b]),%%ymm2\n\t vmovapd 64(%[b]),%%ymm3\n\t"
    "vbroadcastsd (%[a0]),%%ymm0\n\t"
    "vfmadd231pd %%ymm1,%%ymm0,%%ymm4\n\t vfmadd231pd %%ymm2,%%ymm0,%%ymm5\n\t vfmadd231pd %%ymm3,%%ymm0,%%ymm6\n\t"
    "vbroadcastsd (%[a0],%[stride]),%%ymm0\n\t"
    "vfmadd231pd %%ymm1,%%ymm0,%%ymm7\n\t vfmadd231pd %%ymm2,%%ymm0,%%ymm8\n\t vfmadd231pd %%ymm3,%%ymm0,%%ymm9\n\t"
    "vbroadcastsd (%[a0],%[stride],2),%%ymm0\n\t"
    "vfmadd231pd %%ymm1,%%ymm0,%%ymm10\n\t vfmadd231pd %%ymm2,%%ymm0,%%ymm11\n\t vfmadd231pd %%ymm3,%%ymm0,%%ymm12\n\t"
    "vbroadcastsd (%[a3]),%%ymm0\n\t"
    "vfmadd231pd %%ymm1,%%ymm0,%%ymm13\n\t vfmadd231pd %%ymm2,%%ymm0,%%ymm14\n\t vfmadd231pd %%ymm3,%%ymm0,%%ymm15\n\t"
    "add $8,%[a0]\n\t add $8,%[a3]\n\t add $96,%[b]\n\t"
    "dec %[k]\n\t jnz 1b\n"
    "2:\n\t"
    "test %[acc],%[acc]\n\t jz 3f\n\t"
    "vaddpd (%[c0]),%%ymm4,%%ymm4\n\t vaddpd 32(%[c0]),%%ymm5,%%ymm5\n\t vaddpd 64(%[c0]),%%ymm6,%%ymm6\n\t"
    "vaddpd (%[c0],%[cstride]),%%ymm7,%%ymm7\n\t vaddpd 32(%[c0],%[cstride]),%%ymm8,%%ymm8\n\t vaddpd 64(%[c0],%[cstride]),%%ymm9,%%ymm9\n\t"
    "vaddpd (%[c0],%[cstride],2),%%ymm10,%%ymm10\n\t vaddpd 32(%[c0],%[cstride],2),%%ymm11,%%ymm11\n\t vaddpd 64(%[c0],%[cstride],2),%%ymm12,%%ymm12\n\t"
    "vaddpd (%[c3]),%%ymm13,%%ymm13\n\t vaddpd 32(%[c3]),%%ymm14,%%ymm14\n\t vaddpd 64(%[c3]),%%ymm15,%%ymm15\n"
    "3:\n\t"
    "vmovupd %%ymm4,(%[c0])\n\t vmovupd %%ymm5,32(%[c0])\n\t vmovupd %%ymm6,64(%[c0])\n\t"
    "vmovupd %%ymm7,(%[c0],%[cstride])\n\t vmovupd %%ymm8,32(%[c0],%[cstride])\n\t vmovupd %%ymm9,64(%[c0],%[cstride])\n\t"
    "vmovupd %%ymm10,(%[c0],%[cstride],2)\n\t vmovupd %%ymm11,32(%[c0],%[cstride],2)\n\t vmovupd %%ymm12,64(%[c0],%[cstride],2)\n\t"
    "vmovupd %%ymm13,(%[c3])\n\t vmovupd %%ymm14,32(%[c3])\n\t vmovupd %%ymm15,64(%[c3])\n\t"
    : [a0] "+r"(a0), [a3] "+r"(a3), [b] "+r"(b), [k] "+r"(k)
    : [stride] "r"(stride), [c0] "r"(c0), [c3] "r"(c3), [cstride] "r"(cstride), [acc] "r"(accumulate)
    : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
}
void packed_gemm(int m, int n, int k, const double *a, int lda, const double *buffer, double *c, int ldc, int accumulate) {
    const double *packed = aligned_const(buffer);
    double partial[4 * PANEL];
    for (int j0 = 0; j0 < n; j0 += PANEL) {
        const double *panel = packed + (size_t)j0 * k;
        int width = n - j0 < PANEL ? n - j0 : PANEL;
        for (int i = 0; i < m; i += 4) {
            double *rows = c + (size_t)i * ldc + j0;
            if (width == PANEL) {
                tile(a + (size_t)i * lda, lda, panel, k, rows, ldc, accumulate);
                continue;
            }
            // The last, partial panel: the padding columns are computed into `partial` and dropped.
            tile(a + (size_t)i * lda, lda, panel, k, partial, PANEL, 0);
            for (int r = 0; r < 4; r++) {
                double *row = rows + (size_t)r * ldc;
                const double *sums = partial + r * PANEL;
                if (accumulate) for (int q = 0; q < width; q++) row[q] += sums[q];
                else for (int q = 0; q < width; q++) row[q] = sums[q];
            }
        }
    }
    __asm__ volatile("vzeroupper" ::: "memory");
}
#else
size_t packed_gemm_buffer_count(int n, int k) { (void)n; (void)k; return 0; }
int packed_gemm_cpu_supported(void) { return 0; }
void packed_gemm_pack(int trans, int n, int k, const double *b, int ldb, double *buffer) { (void)trans; (void)n; (void)k; (void)b; (void)ldb; (void)buffer; }
void packed_gemm(int m, int n, int k, const double *a, int lda, const double *buffer, double *c, int ldc, int accumulate) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)buffer; (void)c; (void)ldc; (void)accumulate;
}
#endif
