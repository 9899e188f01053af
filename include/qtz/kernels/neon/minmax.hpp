// NEON minmax kernels: defined with the other NEON kernels in quantize.hpp (one shared body,
// dispatch/kernel_body.inl); this header exists so that kernels/<isa>/ mirrors kernels/scalar/.
#pragma once

#include "qtz/kernels/neon/quantize.hpp"
