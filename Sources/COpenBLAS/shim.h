#ifndef PLASTICITY_COPENBLAS_SHIM_H
#define PLASTICITY_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
