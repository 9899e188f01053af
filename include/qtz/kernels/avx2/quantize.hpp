// AVX2 kernels: quantize, dequantize, fake-quantize (per tensor and per element parameters),
// min/max, abs-max and the calibration histograms. The bodies are shared by every ISA and live in
// dispatch/kernel_body.inl; this header instantiates them in qtz::kernels::avx2 with the AVX2
// operations of common.hpp and the QTZ_TARGET_AVX2 attribute. Same signatures as the scalar spec
// (kernels/scalar/*.hpp), same bytes. Call through dispatch/dispatch.hpp, which checks the CPU.
#pragma once

#include "qtz/kernels/avx2/common.hpp"
#include "qtz/kernels/scalar/histogram.hpp"
#include "qtz/kernels/scalar/minmax.hpp"
#include "qtz/kernels/scalar/quantize.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(QTZ_HAVE_AVX2)

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 inside its AVX-512 headers (rule D6)
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace qtz::kernels::avx2 {
#define QTZ_KTARGET QTZ_TARGET_AVX2
#include "qtz/dispatch/kernel_body.inl"
#undef QTZ_KTARGET
}  // namespace qtz::kernels::avx2

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // QTZ_HAVE_AVX2
