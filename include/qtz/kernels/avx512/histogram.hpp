// AVX512 histogram kernels: defined with the other AVX512 kernels in quantize.hpp (one shared body,
// dispatch/kernel_body.inl); this header exists so that kernels/<isa>/ mirrors kernels/scalar/.
#pragma once

#include "qtz/kernels/avx512/quantize.hpp"
