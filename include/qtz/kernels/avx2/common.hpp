// AVX2 vector operations used by the shared kernel body (dispatch/kernel_body.inl), each one
// marked QTZ_TARGET_AVX2 (rule B2) and living in qtz::kernels::avx2::ops (rule D2). Rounding is
// always static (_mm256_round_ps with an explicit mode, or the truncating convert): the dynamic
// MXCSR mode is never used (rule E2). Unaligned loads/stores only, except the non-temporal store,
// which the kernel body calls only on an aligned destination.
#pragma once

#include "qtz/dispatch/isa.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(QTZ_HAVE_AVX2)
#include <immintrin.h>

namespace qtz::kernels::avx2::ops {

constexpr std::size_t W = 8;          ///< float lanes per vector
constexpr std::size_t kVecBytes = 32;  ///< bytes per vector register
using F = __m256;
using I = __m256i;
using M = __m256;  ///< lane mask: all ones / all zeros

QTZ_TARGET_AVX2 inline F loadf(const float* p) noexcept { return _mm256_loadu_ps(p); }
QTZ_TARGET_AVX2 inline void storef(float* p, F v) noexcept { _mm256_storeu_ps(p, v); }
QTZ_TARGET_AVX2 inline void streamf(float* p, F v) noexcept { _mm256_stream_ps(p, v); }
QTZ_TARGET_AVX2 inline F set1f(float v) noexcept { return _mm256_set1_ps(v); }
QTZ_TARGET_AVX2 inline I set1i(std::int32_t v) noexcept { return _mm256_set1_epi32(v); }
QTZ_TARGET_AVX2 inline I loadi32(const std::int32_t* p) noexcept {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
QTZ_TARGET_AVX2 inline void storei32(std::int32_t* p, I v) noexcept {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}
QTZ_TARGET_AVX2 inline void sfence() noexcept { _mm_sfence(); }

QTZ_TARGET_AVX2 inline F mul(F a, F b) noexcept { return _mm256_mul_ps(a, b); }
QTZ_TARGET_AVX2 inline F div(F a, F b) noexcept { return _mm256_div_ps(a, b); }
QTZ_TARGET_AVX2 inline F add(F a, F b) noexcept { return _mm256_add_ps(a, b); }
QTZ_TARGET_AVX2 inline F sub(F a, F b) noexcept { return _mm256_sub_ps(a, b); }
QTZ_TARGET_AVX2 inline F min(F a, F b) noexcept { return _mm256_min_ps(a, b); }
QTZ_TARGET_AVX2 inline F max(F a, F b) noexcept { return _mm256_max_ps(a, b); }
QTZ_TARGET_AVX2 inline F absf(F a) noexcept { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }

// Ordered, quiet comparisons: false whenever an operand is NaN.
QTZ_TARGET_AVX2 inline M cmp_le(F a, F b) noexcept { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
QTZ_TARGET_AVX2 inline M cmp_lt(F a, F b) noexcept { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
QTZ_TARGET_AVX2 inline M cmp_ge(F a, F b) noexcept { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
QTZ_TARGET_AVX2 inline M cmp_eq(F a, F b) noexcept { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
QTZ_TARGET_AVX2 inline M ordered(F a) noexcept { return _mm256_cmp_ps(a, a, _CMP_ORD_Q); }
QTZ_TARGET_AVX2 inline M and_m(M a, M b) noexcept { return _mm256_and_ps(a, b); }
QTZ_TARGET_AVX2 inline F select(M m, F yes, F no) noexcept { return _mm256_blendv_ps(no, yes, m); }
QTZ_TARGET_AVX2 inline F zero_unless(M m, F a) noexcept { return _mm256_and_ps(m, a); }
QTZ_TARGET_AVX2 inline bool any(M m) noexcept { return _mm256_movemask_ps(m) != 0; }
QTZ_TARGET_AVX2 inline std::uint32_t bits(M m) noexcept {
  return static_cast<std::uint32_t>(_mm256_movemask_ps(m));
}

// Static-rounding conversions (rule E2).
QTZ_TARGET_AVX2 inline F round_even_f(F a) noexcept {
  return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
QTZ_TARGET_AVX2 inline F floor_f(F a) noexcept { return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
QTZ_TARGET_AVX2 inline I cvt_even(F a) noexcept { return _mm256_cvttps_epi32(round_even_f(a)); }
QTZ_TARGET_AVX2 inline I cvt_floor(F a) noexcept { return _mm256_cvttps_epi32(floor_f(a)); }
QTZ_TARGET_AVX2 inline I cvtt(F a) noexcept { return _mm256_cvttps_epi32(a); }
QTZ_TARGET_AVX2 inline F cvtf(I a) noexcept { return _mm256_cvtepi32_ps(a); }

QTZ_TARGET_AVX2 inline I addi(I a, I b) noexcept { return _mm256_add_epi32(a, b); }
QTZ_TARGET_AVX2 inline I subi(I a, I b) noexcept { return _mm256_sub_epi32(a, b); }
QTZ_TARGET_AVX2 inline M cmpi_gt(I a, I b) noexcept { return _mm256_castsi256_ps(_mm256_cmpgt_epi32(a, b)); }
QTZ_TARGET_AVX2 inline I inc_if(I a, M m) noexcept { return _mm256_sub_epi32(a, _mm256_castps_si256(m)); }
QTZ_TARGET_AVX2 inline I dec_if(I a, M m) noexcept { return _mm256_add_epi32(a, _mm256_castps_si256(m)); }
QTZ_TARGET_AVX2 inline I count_add(I acc, M m) noexcept { return inc_if(acc, m); }

QTZ_TARGET_AVX2 inline std::uint64_t hsum_u(I a) noexcept {
  alignas(32) std::uint32_t t[W];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), a);
  std::uint64_t s = 0;
  for (std::size_t k = 0; k < W; ++k) s += t[k];
  return s;
}
QTZ_TARGET_AVX2 inline float hmin(F a) noexcept {
  alignas(32) float t[W];
  _mm256_store_ps(t, a);
  float m = t[0];
  for (std::size_t k = 1; k < W; ++k) m = t[k] < m ? t[k] : m;
  return m;
}
QTZ_TARGET_AVX2 inline float hmax(F a) noexcept {
  alignas(32) float t[W];
  _mm256_store_ps(t, a);
  float m = t[0];
  for (std::size_t k = 1; k < W; ++k) m = t[k] > m ? t[k] : m;
  return m;
}

/// W codes -> int32 lanes.
template <class Q>
QTZ_TARGET_AVX2 inline I load_codes(const Q* p) noexcept {
  if constexpr (sizeof(Q) == 1) {
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    if constexpr (std::is_signed_v<Q>) return _mm256_cvtepi8_epi32(b);
    else return _mm256_cvtepu8_epi32(b);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (std::is_signed_v<Q>) return _mm256_cvtepi16_epi32(h);
    else return _mm256_cvtepu16_epi32(h);
  }
}

/// Stores 4 / sizeof(Q) vectors of int32 codes (already inside Q's range) as one full vector of Q.
/// _mm256_packs_* work per 128-bit half, so the result is put back in order with a permute
/// (rule E5: ramp inputs in the sweep catch a wrong order).
template <class Q, bool NonTemporal>
QTZ_TARGET_AVX2 inline void store_block(Q* dst, const I* v) noexcept {
  __m256i r;
  if constexpr (sizeof(Q) == 1) {
    const __m256i ab = _mm256_packs_epi32(v[0], v[1]);  // [a0-3 b0-3 | a4-7 b4-7]
    const __m256i cd = _mm256_packs_epi32(v[2], v[3]);
    const __m256i abcd = std::is_signed_v<Q> ? _mm256_packs_epi16(ab, cd) : _mm256_packus_epi16(ab, cd);
    r = _mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  } else {
    const __m256i ab = std::is_signed_v<Q> ? _mm256_packs_epi32(v[0], v[1]) : _mm256_packus_epi32(v[0], v[1]);
    r = _mm256_permute4x64_epi64(ab, 0xD8);  // qwords 0, 2, 1, 3
  }
  if constexpr (NonTemporal) _mm256_stream_si256(reinterpret_cast<__m256i*>(dst), r);
  else _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), r);
}

/// Stores one vector of int32 codes as W values of Q.
template <class Q>
QTZ_TARGET_AVX2 inline void store1(Q* dst, I v) noexcept {
  const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
  if constexpr (sizeof(Q) == 1) {
    const __m128i h = _mm_packs_epi32(lo, hi);
    const __m128i b = std::is_signed_v<Q> ? _mm_packs_epi16(h, h) : _mm_packus_epi16(h, h);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), b);
  } else {
    const __m128i h = std::is_signed_v<Q> ? _mm_packs_epi32(lo, hi) : _mm_packus_epi32(lo, hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), h);
  }
}

/// Stores W mask bytes, 1 where the lane is set.
QTZ_TARGET_AVX2 inline void store_mask1(std::uint8_t* dst, M m) noexcept {
  const __m256i one = _mm256_and_si256(_mm256_castps_si256(m), _mm256_set1_epi32(1));
  store1<std::uint8_t>(dst, one);
}

// ---- fast 8-bit quantize and screening helpers (kernel_body.inl "fast8" paths) ----
QTZ_TARGET_AVX2 inline F bcastf(const float* p) noexcept { return _mm256_broadcast_ss(p); }
QTZ_TARGET_AVX2 inline I bcasti(const std::int32_t* p) noexcept { return _mm256_set1_epi32(*p); }
QTZ_TARGET_AVX2 inline bool params_in_range(F s, I z, std::int32_t lo, std::int32_t hi, bool check_s, float slo, float shi) noexcept {
  const __m256i bad = _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(lo), z), _mm256_cmpgt_epi32(z, _mm256_set1_epi32(hi)));
  if (_mm256_movemask_epi8(bad) != 0) return false;
  if (!check_s) return true;
  const __m256 good = _mm256_and_ps(_mm256_cmp_ps(s, _mm256_set1_ps(slo), _CMP_GE_OQ), _mm256_cmp_ps(s, _mm256_set1_ps(shi), _CMP_LE_OQ));
  return _mm256_movemask_ps(good) == 0xFF;
}
using H = I;  ///< int16 lanes, in the order _mm256_packs_epi32 produces
QTZ_TARGET_AVX2 inline H pack_zp(I a, I b) noexcept { return _mm256_packs_epi32(a, b); }
QTZ_TARGET_AVX2 inline H set1_h(std::int32_t z) noexcept { return _mm256_set1_epi16(static_cast<short>(z)); }
/// t - round_to_nearest_even(t) (NaN for NaN).
QTZ_TARGET_AVX2 inline F dist_rne(F t) noexcept { return _mm256_sub_ps(t, round_even_f(t)); }
/// |d| as unsigned bits: ordered like |d| for numbers, NaN above every number.
QTZ_TARGET_AVX2 inline I abs_bits(F d) noexcept {
  return _mm256_and_si256(_mm256_castps_si256(d), _mm256_set1_epi32(0x7FFFFFFF));
}
QTZ_TARGET_AVX2 inline I maxu(I a, I b) noexcept { return _mm256_max_epu32(a, b); }
/// Unsigned max of the |d| bits (NaN above every number).
QTZ_TARGET_AVX2 inline I absmax4_bits(F d0, F d1, F d2, F d3) noexcept {
  return maxu(maxu(abs_bits(d0), abs_bits(d1)), maxu(abs_bits(d2), abs_bits(d3)));
}
/// acc + a*b (two operations, no FMA): a screen for non-finite values, see avx512::ops::prod_acc.
QTZ_TARGET_AVX2 inline F prod_acc(F acc, F a, F b) noexcept { return _mm256_add_ps(acc, _mm256_mul_ps(a, b)); }
QTZ_TARGET_AVX2 inline bool any_ge_u(I a, std::uint32_t thr) noexcept {
  const __m256i t = _mm256_set1_epi32(static_cast<std::int32_t>(thr));
  return _mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_max_epu32(a, t), a)) != 0;
}
/// acc stays finite while every x is finite; becomes NaN after a NaN or infinite x.
QTZ_TARGET_AVX2 inline F nonfinite_acc(F acc, F x) noexcept { return _mm256_add_ps(acc, _mm256_sub_ps(x, x)); }
QTZ_TARGET_AVX2 inline bool any_nan(F a) noexcept { return _mm256_movemask_ps(_mm256_cmp_ps(a, a, _CMP_UNORD_Q)) != 0; }

/// r[0..3]: int32 codes before + Z (NaN/overflow give INT_MIN). Stores clamp(sat16(r) + Z, qmin,
/// qmax) as 4W values of Q (8-bit) and returns true, unless some lane saturates to -32768 (NaN,
/// overflow, t <= -32767.5): then it stores nothing and returns false.
template <class Q, bool NonTemporal>
QTZ_TARGET_AVX2 inline bool store_fast8(Q* dst, const I* r, H zab, H zcd, std::int32_t qmin, std::int32_t qmax) noexcept {
  __m256i ab = _mm256_packs_epi32(r[0], r[1]);
  __m256i cd = _mm256_packs_epi32(r[2], r[3]);
  const __m256i m16 = _mm256_set1_epi16(-32768);
  if (_mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_min_epi16(ab, cd), m16)) != 0) return false;
  ab = _mm256_adds_epi16(ab, zab);
  cd = _mm256_adds_epi16(cd, zcd);
  __m256i v;
  if constexpr (std::is_signed_v<Q>) {
    v = _mm256_packs_epi16(ab, cd);
    v = _mm256_min_epi8(_mm256_max_epi8(v, _mm256_set1_epi8(static_cast<char>(qmin))), _mm256_set1_epi8(static_cast<char>(qmax)));
  } else {
    v = _mm256_packus_epi16(ab, cd);
    v = _mm256_min_epu8(_mm256_max_epu8(v, _mm256_set1_epi8(static_cast<char>(qmin))), _mm256_set1_epi8(static_cast<char>(qmax)));
  }
  v = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  if constexpr (NonTemporal) _mm256_stream_si256(reinterpret_cast<__m256i*>(dst), v);
  else _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v);
  return true;
}

}  // namespace qtz::kernels::avx2::ops

#endif  // QTZ_HAVE_AVX2
