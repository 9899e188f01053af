// NEON kernels (AArch64): quantize, dequantize, fake-quantize (per tensor and per element
// parameters), min/max, abs-max and the calibration histograms. The bodies are shared by every ISA
// and live in dispatch/kernel_body.inl; this header instantiates them in qtz::kernels::neon with
// the operations of common.hpp (NEON is baseline: no target attribute). Same signatures and bytes
// as the scalar spec (kernels/scalar/*.hpp).
#pragma once

#include "qtz/kernels/neon/common.hpp"
#include "qtz/kernels/scalar/histogram.hpp"
#include "qtz/kernels/scalar/minmax.hpp"
#include "qtz/kernels/scalar/quantize.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(QTZ_HAVE_NEON)
namespace qtz::kernels::neon {
#define QTZ_KTARGET
#include "qtz/dispatch/kernel_body.inl"
#undef QTZ_KTARGET
}  // namespace qtz::kernels::neon
#endif  // QTZ_HAVE_NEON
