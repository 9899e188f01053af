// Compiler and floating-point guards shared by every qtz header.
#pragma once

// The bit-exact contract (docs/quantization.md §1) relies on IEEE NaN semantics: -ffast-math lets
// the compiler delete the NaN checks of the scalar spec, and results would then differ per path.
#if (defined(__FAST_MATH__) || defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__) && \
    !defined(QTZ_ALLOW_FAST_MATH)
#error "qtz: -ffast-math / -ffinite-math-only removes NaN handling; define QTZ_ALLOW_FAST_MATH to accept undefined NaN results"
#endif

// 32-bit x87 arithmetic keeps excess precision and breaks the single-rounding rules of the spec.
#if defined(__i386__) && !defined(__SSE2_MATH__) && !defined(QTZ_ALLOW_X87)
#error "qtz: x87 floating point is not supported; compile with -msse2 -mfpmath=sse"
#endif
