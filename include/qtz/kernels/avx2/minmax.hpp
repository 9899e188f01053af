// AVX2 minmax kernels: defined with the other AVX2 kernels in quantize.hpp (one shared body,
// dispatch/kernel_body.inl); this header exists so that kernels/<isa>/ mirrors kernels/scalar/.
#pragma once

#include "qtz/kernels/avx2/quantize.hpp"
