#pragma once
// The CBLAS interface of OpenBLAS (Debian: libopenblas-dev), plus OpenBLAS's extras:
// openblas_set_num_threads, openblas_get_num_threads, openblas_get_corename.
#include <cblas.h>
