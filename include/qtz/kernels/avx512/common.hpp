// AVX-512 (F+BW+VL+DQ) vector operations used by the shared kernel body
// (dispatch/kernel_body.inl), each marked QTZ_TARGET_AVX512 (rule B2) in
// qtz::kernels::avx512::ops (rule D2). Conversions use embedded (static) rounding, never MXCSR
// (rule E2). Unaligned loads/stores, except the non-temporal store on an aligned destination.
#pragma once

#include "qtz/dispatch/isa.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

#if defined(QTZ_HAVE_AVX512)
#include <immintrin.h>

// GCC 12 reports -Wmaybe-uninitialized inside its own avx512fintrin.h at -O2 (rule D6).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace qtz::kernels::avx512::ops {

constexpr std::size_t W = 16;
constexpr std::size_t kVecBytes = 64;
using F = __m512;
using I = __m512i;
using M = __mmask16;

QTZ_TARGET_AVX512 inline F loadf(const float* p) noexcept { return _mm512_loadu_ps(p); }
QTZ_TARGET_AVX512 inline void storef(float* p, F v) noexcept { _mm512_storeu_ps(p, v); }
QTZ_TARGET_AVX512 inline void streamf(float* p, F v) noexcept { _mm512_stream_ps(p, v); }
QTZ_TARGET_AVX512 inline F set1f(float v) noexcept { return _mm512_set1_ps(v); }
QTZ_TARGET_AVX512 inline I set1i(std::int32_t v) noexcept { return _mm512_set1_epi32(v); }
QTZ_TARGET_AVX512 inline I loadi32(const std::int32_t* p) noexcept { return _mm512_loadu_si512(p); }
QTZ_TARGET_AVX512 inline void storei32(std::int32_t* p, I v) noexcept { _mm512_storeu_si512(p, v); }
QTZ_TARGET_AVX512 inline void sfence() noexcept { _mm_sfence(); }

QTZ_TARGET_AVX512 inline F mul(F a, F b) noexcept { return _mm512_mul_ps(a, b); }
QTZ_TARGET_AVX512 inline F div(F a, F b) noexcept { return _mm512_div_ps(a, b); }
QTZ_TARGET_AVX512 inline F add(F a, F b) noexcept { return _mm512_add_ps(a, b); }
QTZ_TARGET_AVX512 inline F sub(F a, F b) noexcept { return _mm512_sub_ps(a, b); }
QTZ_TARGET_AVX512 inline F min(F a, F b) noexcept { return _mm512_min_ps(a, b); }
QTZ_TARGET_AVX512 inline F max(F a, F b) noexcept { return _mm512_max_ps(a, b); }
QTZ_TARGET_AVX512 inline F absf(F a) noexcept { return _mm512_abs_ps(a); }

QTZ_TARGET_AVX512 inline M cmp_le(F a, F b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
QTZ_TARGET_AVX512 inline M cmp_lt(F a, F b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
QTZ_TARGET_AVX512 inline M cmp_ge(F a, F b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
QTZ_TARGET_AVX512 inline M cmp_eq(F a, F b) noexcept { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
QTZ_TARGET_AVX512 inline M ordered(F a) noexcept { return _mm512_cmp_ps_mask(a, a, _CMP_ORD_Q); }
QTZ_TARGET_AVX512 inline M and_m(M a, M b) noexcept { return static_cast<M>(a & b); }
QTZ_TARGET_AVX512 inline F select(M m, F yes, F no) noexcept { return _mm512_mask_blend_ps(m, no, yes); }
QTZ_TARGET_AVX512 inline F zero_unless(M m, F a) noexcept { return _mm512_maskz_mov_ps(m, a); }
QTZ_TARGET_AVX512 inline bool any(M m) noexcept { return m != 0; }
QTZ_TARGET_AVX512 inline std::uint32_t bits(M m) noexcept { return m; }

// Static-rounding conversions (rule E2): the rounding mode is encoded in the instruction.
QTZ_TARGET_AVX512 inline F round_even_f(F a) noexcept {
  return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
QTZ_TARGET_AVX512 inline F floor_f(F a) noexcept { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
QTZ_TARGET_AVX512 inline I cvt_even(F a) noexcept {
  return _mm512_cvt_roundps_epi32(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
QTZ_TARGET_AVX512 inline I cvt_floor(F a) noexcept {
  return _mm512_cvt_roundps_epi32(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
QTZ_TARGET_AVX512 inline I cvtt(F a) noexcept { return _mm512_cvttps_epi32(a); }
QTZ_TARGET_AVX512 inline F cvtf(I a) noexcept { return _mm512_cvtepi32_ps(a); }

QTZ_TARGET_AVX512 inline I addi(I a, I b) noexcept { return _mm512_add_epi32(a, b); }
QTZ_TARGET_AVX512 inline I subi(I a, I b) noexcept { return _mm512_sub_epi32(a, b); }
QTZ_TARGET_AVX512 inline M cmpi_gt(I a, I b) noexcept { return _mm512_cmpgt_epi32_mask(a, b); }
QTZ_TARGET_AVX512 inline I inc_if(I a, M m) noexcept { return _mm512_mask_add_epi32(a, m, a, _mm512_set1_epi32(1)); }
QTZ_TARGET_AVX512 inline I dec_if(I a, M m) noexcept { return _mm512_mask_sub_epi32(a, m, a, _mm512_set1_epi32(1)); }
QTZ_TARGET_AVX512 inline I count_add(I acc, M m) noexcept { return inc_if(acc, m); }

QTZ_TARGET_AVX512 inline std::uint64_t hsum_u(I a) noexcept {
  alignas(64) std::uint32_t t[W];
  _mm512_store_si512(t, a);
  std::uint64_t s = 0;
  for (std::size_t k = 0; k < W; ++k) s += t[k];
  return s;
}
QTZ_TARGET_AVX512 inline float hmin(F a) noexcept {
  alignas(64) float t[W];
  _mm512_store_ps(t, a);
  float m = t[0];
  for (std::size_t k = 1; k < W; ++k) m = t[k] < m ? t[k] : m;
  return m;
}
QTZ_TARGET_AVX512 inline float hmax(F a) noexcept {
  alignas(64) float t[W];
  _mm512_store_ps(t, a);
  float m = t[0];
  for (std::size_t k = 1; k < W; ++k) m = t[k] > m ? t[k] : m;
  return m;
}

template <class Q>
QTZ_TARGET_AVX512 inline I load_codes(const Q* p) noexcept {
  if constexpr (sizeof(Q) == 1) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (std::is_signed_v<Q>) return _mm512_cvtepi8_epi32(b);
    else return _mm512_cvtepu8_epi32(b);
  } else {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    if constexpr (std::is_signed_v<Q>) return _mm512_cvtepi16_epi32(h);
    else return _mm512_cvtepu16_epi32(h);
  }
}

/// 4 / sizeof(Q) vectors of int32 codes -> one full 64-byte vector of Q. The packs work per
/// 128-bit lane; the cross-lane permute restores element order (rule E5).
template <class Q, bool NonTemporal>
QTZ_TARGET_AVX512 inline void store_block(Q* dst, const I* v) noexcept {
  __m512i r;
  if constexpr (sizeof(Q) == 1) {
    const __m512i ab = _mm512_packs_epi32(v[0], v[1]);
    const __m512i cd = _mm512_packs_epi32(v[2], v[3]);
    const __m512i abcd = std::is_signed_v<Q> ? _mm512_packs_epi16(ab, cd) : _mm512_packus_epi16(ab, cd);
    r = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), abcd);
  } else {
    const __m512i ab = std::is_signed_v<Q> ? _mm512_packs_epi32(v[0], v[1]) : _mm512_packus_epi32(v[0], v[1]);
    r = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), ab);
  }
  if constexpr (NonTemporal) _mm512_stream_si512(reinterpret_cast<__m512i*>(dst), r);
  else _mm512_storeu_si512(dst, r);
}

template <class Q>
QTZ_TARGET_AVX512 inline void store1(Q* dst, I v) noexcept {
  if constexpr (sizeof(Q) == 1) {
    const __m128i b = std::is_signed_v<Q> ? _mm512_cvtsepi32_epi8(v) : _mm512_cvtusepi32_epi8(v);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), b);
  } else {
    const __m256i h = std::is_signed_v<Q> ? _mm512_cvtsepi32_epi16(v) : _mm512_cvtusepi32_epi16(v);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), h);
  }
}

QTZ_TARGET_AVX512 inline void store_mask1(std::uint8_t* dst, M m) noexcept {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_maskz_mov_epi8(m, _mm_set1_epi8(1)));
}

// ---- fast 8-bit quantize and screening helpers (kernel_body.inl "fast8" paths) ----
QTZ_TARGET_AVX512 inline F bcastf(const float* p) noexcept { return _mm512_set1_ps(*p); }
QTZ_TARGET_AVX512 inline I bcasti(const std::int32_t* p) noexcept { return _mm512_set1_epi32(*p); }
/// True when every lane of z lies in [lo, hi] and (check_s) every s lies in [slo, shi].
QTZ_TARGET_AVX512 inline bool params_in_range(F s, I z, std::int32_t lo, std::int32_t hi, bool check_s, float slo, float shi) noexcept {
  __mmask16 ok = static_cast<__mmask16>(_mm512_cmpge_epi32_mask(z, _mm512_set1_epi32(lo)) & _mm512_cmple_epi32_mask(z, _mm512_set1_epi32(hi)));
  if (check_s) ok = static_cast<__mmask16>(ok & _mm512_cmp_ps_mask(s, _mm512_set1_ps(slo), _CMP_GE_OQ) & _mm512_cmp_ps_mask(s, _mm512_set1_ps(shi), _CMP_LE_OQ));
  return ok == 0xFFFF;
}
using H = I;  ///< int16 lanes, in the order _mm512_packs_epi32 produces
QTZ_TARGET_AVX512 inline H pack_zp(I a, I b) noexcept { return _mm512_packs_epi32(a, b); }
QTZ_TARGET_AVX512 inline H set1_h(std::int32_t z) noexcept { return _mm512_set1_epi16(static_cast<short>(z)); }
/// t - round_to_nearest_even(t) in one VREDUCEPS (NaN for NaN).
QTZ_TARGET_AVX512 inline F dist_rne(F t) noexcept { return _mm512_reduce_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
QTZ_TARGET_AVX512 inline I abs_bits(F d) noexcept {
  return _mm512_and_si512(_mm512_castps_si512(d), _mm512_set1_epi32(0x7FFFFFFF));
}
QTZ_TARGET_AVX512 inline I maxu(I a, I b) noexcept { return _mm512_max_epu32(a, b); }
/// Bits of a value >= max(|d0|, |d1|, |d2|, |d3|) per lane, NaN (either sign) ordered above every
/// number as unsigned bits: VRANGEPS "max-abs, sign cleared" (a NaN operand yields a NaN, whose
/// bits compare above every threshold below 0x7F800000, so a NaN never hides a risky lane).
QTZ_TARGET_AVX512 inline I absmax4_bits(F d0, F d1, F d2, F d3) noexcept {
  const F a = _mm512_range_ps(d0, d1, 0x0B), b = _mm512_range_ps(d2, d3, 0x0B);
  return _mm512_castps_si512(_mm512_range_ps(a, b, 0x0B));
}
/// acc + a*b (one FMA): stays finite while a and b are finite and nothing overflows; non-finite
/// (inf or NaN) forever after a NaN or infinite a or b. A screen only.
QTZ_TARGET_AVX512 inline F prod_acc(F acc, F a, F b) noexcept { return _mm512_fmadd_ps(a, b, acc); }
QTZ_TARGET_AVX512 inline bool any_ge_u(I a, std::uint32_t thr) noexcept {
  return _mm512_cmpge_epu32_mask(a, _mm512_set1_epi32(static_cast<std::int32_t>(thr))) != 0;
}
/// acc + x*0 (one FMA): stays finite while every x is finite, NaN after a NaN or infinite x.
/// (Used only as a screen, never for a result, so the fused operation changes nothing.)
QTZ_TARGET_AVX512 inline F nonfinite_acc(F acc, F x) noexcept { return _mm512_fmadd_ps(x, _mm512_setzero_ps(), acc); }
QTZ_TARGET_AVX512 inline bool any_nan(F a) noexcept { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q) != 0; }

/// See avx2::ops::store_fast8.
template <class Q, bool NonTemporal>
QTZ_TARGET_AVX512 inline bool store_fast8(Q* dst, const I* r, H zab, H zcd, std::int32_t qmin, std::int32_t qmax) noexcept {
  __m512i ab = _mm512_packs_epi32(r[0], r[1]);
  __m512i cd = _mm512_packs_epi32(r[2], r[3]);
  if (_mm512_cmpeq_epi16_mask(_mm512_min_epi16(ab, cd), _mm512_set1_epi16(-32768)) != 0) return false;
  ab = _mm512_adds_epi16(ab, zab);
  cd = _mm512_adds_epi16(cd, zcd);
  __m512i v;
  if constexpr (std::is_signed_v<Q>) {
    v = _mm512_packs_epi16(ab, cd);
    v = _mm512_min_epi8(_mm512_max_epi8(v, _mm512_set1_epi8(static_cast<char>(qmin))), _mm512_set1_epi8(static_cast<char>(qmax)));
  } else {
    v = _mm512_packus_epi16(ab, cd);
    v = _mm512_min_epu8(_mm512_max_epu8(v, _mm512_set1_epi8(static_cast<char>(qmin))), _mm512_set1_epi8(static_cast<char>(qmax)));
  }
  v = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), v);
  if constexpr (NonTemporal) _mm512_stream_si512(reinterpret_cast<__m512i*>(dst), v);
  else _mm512_storeu_si512(dst, v);
  return true;
}

}  // namespace qtz::kernels::avx512::ops

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // QTZ_HAVE_AVX512
