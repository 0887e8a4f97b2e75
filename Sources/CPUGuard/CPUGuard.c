// A binary built for AVX2 and FMA (Makefile, CPU_FLAGS) dies with "Illegal instruction" on a CPU
// without them, e.g. a cluster node older than the login node that built it. This check runs before
// any Swift code (a constructor) and answers with one line and exit status 2 instead.
// PLASTICITY_PRETEND_NO_AVX2=1 makes it act as on such a CPU, so the message is tested.
#include "CPUGuard.h"
#include <stdlib.h>
#include <unistd.h>

int plasticity_build_requires_avx2_fma(void) {
#if defined(PLASTICITY_REQUIRES_AVX2_FMA)
    return 1;
#else
    return 0;
#endif
}

#if defined(PLASTICITY_REQUIRES_AVX2_FMA) && defined(__x86_64__)
__attribute__((constructor)) static void plasticity_check_cpu(void) {
    __builtin_cpu_init();
    const char *pretend = getenv("PLASTICITY_PRETEND_NO_AVX2");
    int missing = !__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || (pretend && pretend[0] == '1');
    if (missing) {
        static const char message[] =
            "error: this plasticity binary was built for CPUs with AVX2 and FMA, and this CPU lacks them; "
            "build it on this machine (make build), or build one for any x86-64 with: make build PORTABLE=1\n";
        ssize_t written = write(2, message, sizeof message - 1);
        (void)written;
        _exit(2);
    }
}
#endif
