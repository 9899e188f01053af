// AArch64 NEON vector operations used by the shared kernel body (dispatch/kernel_body.inl), in
// qtz::kernels::neon::ops. NEON is baseline on AArch64: no attribute, no runtime check. Rounding is
// static (vcvtnq = to nearest even, vcvtmq = floor, vcvtq = toward zero, vrndnq/vrndmq), never FPCR
// (rule E2).
#pragma once

#include "qtz/dispatch/isa.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(QTZ_HAVE_NEON)
#include <arm_neon.h>

namespace qtz::kernels::neon::ops {

constexpr std::size_t W = 4;
constexpr std::size_t kVecBytes = 16;
using F = float32x4_t;
using I = int32x4_t;
using M = uint32x4_t;

inline F loadf(const float* p) noexcept { return vld1q_f32(p); }
inline void storef(float* p, F v) noexcept { vst1q_f32(p, v); }
inline void streamf(float* p, F v) noexcept { vst1q_f32(p, v); }  // no portable non-temporal store
inline F set1f(float v) noexcept { return vdupq_n_f32(v); }
inline I set1i(std::int32_t v) noexcept { return vdupq_n_s32(v); }
inline I loadi32(const std::int32_t* p) noexcept { return vld1q_s32(p); }
inline void storei32(std::int32_t* p, I v) noexcept { vst1q_s32(p, v); }
inline void sfence() noexcept {}

inline F mul(F a, F b) noexcept { return vmulq_f32(a, b); }
inline F div(F a, F b) noexcept { return vdivq_f32(a, b); }
inline F add(F a, F b) noexcept { return vaddq_f32(a, b); }
inline F sub(F a, F b) noexcept { return vsubq_f32(a, b); }
// fminq/fmaxq propagate NaN; the kernels never feed them NaN where it matters (NaN is zeroed first).
inline F min(F a, F b) noexcept { return vminq_f32(a, b); }
inline F max(F a, F b) noexcept { return vmaxq_f32(a, b); }
inline F absf(F a) noexcept { return vabsq_f32(a); }

inline M cmp_le(F a, F b) noexcept { return vcleq_f32(a, b); }
inline M cmp_lt(F a, F b) noexcept { return vcltq_f32(a, b); }
inline M cmp_ge(F a, F b) noexcept { return vcgeq_f32(a, b); }
inline M cmp_eq(F a, F b) noexcept { return vceqq_f32(a, b); }
inline M ordered(F a) noexcept { return vceqq_f32(a, a); }
inline M and_m(M a, M b) noexcept { return vandq_u32(a, b); }
inline F select(M m, F yes, F no) noexcept { return vbslq_f32(m, yes, no); }
inline F zero_unless(M m, F a) noexcept { return vreinterpretq_f32_u32(vandq_u32(m, vreinterpretq_u32_f32(a))); }
inline bool any(M m) noexcept { return vmaxvq_u32(m) != 0; }
inline std::uint32_t bits(M m) noexcept {
  const uint32x4_t w = {1u, 2u, 4u, 8u};
  return vaddvq_u32(vandq_u32(m, w));
}

inline F round_even_f(F a) noexcept { return vrndnq_f32(a); }
inline F floor_f(F a) noexcept { return vrndmq_f32(a); }
inline I cvt_even(F a) noexcept { return vcvtnq_s32_f32(a); }
inline I cvt_floor(F a) noexcept { return vcvtmq_s32_f32(a); }
inline I cvtt(F a) noexcept { return vcvtq_s32_f32(a); }
inline F cvtf(I a) noexcept { return vcvtq_f32_s32(a); }

inline I addi(I a, I b) noexcept { return vaddq_s32(a, b); }
inline I subi(I a, I b) noexcept { return vsubq_s32(a, b); }
inline M cmpi_gt(I a, I b) noexcept { return vcgtq_s32(a, b); }
inline I inc_if(I a, M m) noexcept { return vsubq_s32(a, vreinterpretq_s32_u32(m)); }
inline I dec_if(I a, M m) noexcept { return vaddq_s32(a, vreinterpretq_s32_u32(m)); }
inline I count_add(I acc, M m) noexcept { return inc_if(acc, m); }
inline std::uint64_t hsum_u(I a) noexcept { return vaddlvq_u32(vreinterpretq_u32_s32(a)); }
inline float hmin(F a) noexcept { return vminvq_f32(a); }
inline float hmax(F a) noexcept { return vmaxvq_f32(a); }

template <class Q>
inline I load_codes(const Q* p) noexcept {
  if constexpr (sizeof(Q) == 1) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    const uint8x8_t b = vreinterpret_u8_u32(vdup_n_u32(w));
    if constexpr (std::is_signed_v<Q>) return vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_u8(b))));
    else return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(b))));
  } else {
    if constexpr (std::is_signed_v<Q>) return vmovl_s16(vld1_s16(p));
    else return vreinterpretq_s32_u32(vmovl_u16(vld1_u16(p)));
  }
}

template <class Q, bool NonTemporal>
inline void store_block(Q* dst, const I* v) noexcept {
  if constexpr (sizeof(Q) == 1) {
    const int16x8_t ab = vcombine_s16(vqmovn_s32(v[0]), vqmovn_s32(v[1]));
    const int16x8_t cd = vcombine_s16(vqmovn_s32(v[2]), vqmovn_s32(v[3]));
    if constexpr (std::is_signed_v<Q>) vst1q_s8(dst, vcombine_s8(vqmovn_s16(ab), vqmovn_s16(cd)));
    else vst1q_u8(dst, vcombine_u8(vqmovun_s16(ab), vqmovun_s16(cd)));
  } else {
    if constexpr (std::is_signed_v<Q>) vst1q_s16(dst, vcombine_s16(vqmovn_s32(v[0]), vqmovn_s32(v[1])));
    else vst1q_u16(dst, vcombine_u16(vqmovun_s32(v[0]), vqmovun_s32(v[1])));
  }
}

template <class Q>
inline void store1(Q* dst, I v) noexcept {
  if constexpr (sizeof(Q) == 1) {
    const int16x8_t h = vcombine_s16(vqmovn_s32(v), vqmovn_s32(v));
    std::uint32_t w;
    if constexpr (std::is_signed_v<Q>) w = vget_lane_u32(vreinterpret_u32_s8(vqmovn_s16(h)), 0);
    else w = vget_lane_u32(vreinterpret_u32_u8(vqmovun_s16(h)), 0);
    std::memcpy(dst, &w, 4);
  } else {
    if constexpr (std::is_signed_v<Q>) vst1_s16(dst, vqmovn_s32(v));
    else vst1_u16(dst, vqmovun_s32(v));
  }
}

inline void store_mask1(std::uint8_t* dst, M m) noexcept {
  store1<std::uint8_t>(dst, vreinterpretq_s32_u32(vandq_u32(m, vdupq_n_u32(1))));
}

// ---- fast 8-bit quantize and screening helpers (kernel_body.inl "fast8" paths) ----
inline F bcastf(const float* p) noexcept { return vld1q_dup_f32(p); }
inline I bcasti(const std::int32_t* p) noexcept { return vld1q_dup_s32(p); }
inline bool params_in_range(F s, I z, std::int32_t lo, std::int32_t hi, bool check_s, float slo, float shi) noexcept {
  uint32x4_t ok = vandq_u32(vcgeq_s32(z, vdupq_n_s32(lo)), vcleq_s32(z, vdupq_n_s32(hi)));
  if (check_s) ok = vandq_u32(ok, vandq_u32(vcgeq_f32(s, vdupq_n_f32(slo)), vcleq_f32(s, vdupq_n_f32(shi))));
  return vminvq_u32(ok) != 0;
}
using H = int16x8_t;
inline H pack_zp(I a, I b) noexcept { return vcombine_s16(vqmovn_s32(a), vqmovn_s32(b)); }
inline H set1_h(std::int32_t z) noexcept { return vdupq_n_s16(static_cast<std::int16_t>(z)); }
inline F dist_rne(F t) noexcept { return vsubq_f32(t, vrndnq_f32(t)); }
inline I abs_bits(F d) noexcept { return vreinterpretq_s32_u32(vandq_u32(vreinterpretq_u32_f32(d), vdupq_n_u32(0x7FFFFFFFu))); }
inline I maxu(I a, I b) noexcept {
  return vreinterpretq_s32_u32(vmaxq_u32(vreinterpretq_u32_s32(a), vreinterpretq_u32_s32(b)));
}
inline I absmax4_bits(F d0, F d1, F d2, F d3) noexcept {
  return maxu(maxu(abs_bits(d0), abs_bits(d1)), maxu(abs_bits(d2), abs_bits(d3)));
}
inline F prod_acc(F acc, F a, F b) noexcept { return vfmaq_f32(acc, a, b); }
inline bool any_ge_u(I a, std::uint32_t thr) noexcept {
  return vmaxvq_u32(vcgeq_u32(vreinterpretq_u32_s32(a), vdupq_n_u32(thr))) != 0;
}
inline F nonfinite_acc(F acc, F x) noexcept { return vaddq_f32(acc, vsubq_f32(x, x)); }
inline bool any_nan(F a) noexcept { return vminvq_u32(vceqq_f32(a, a)) == 0; }

/// See avx2::ops::store_fast8 (NEON converts give 0 for NaN and saturate, so the check rarely fires).
template <class Q, bool NonTemporal>
inline bool store_fast8(Q* dst, const I* r, H zab, H zcd, std::int32_t qmin, std::int32_t qmax) noexcept {
  int16x8_t ab = vcombine_s16(vqmovn_s32(r[0]), vqmovn_s32(r[1]));
  int16x8_t cd = vcombine_s16(vqmovn_s32(r[2]), vqmovn_s32(r[3]));
  if (vminvq_s16(vminq_s16(ab, cd)) == -32768) return false;
  ab = vqaddq_s16(ab, zab);
  cd = vqaddq_s16(cd, zcd);
  if constexpr (std::is_signed_v<Q>) {
    int8x16_t v = vcombine_s8(vqmovn_s16(ab), vqmovn_s16(cd));
    v = vminq_s8(vmaxq_s8(v, vdupq_n_s8(static_cast<std::int8_t>(qmin))), vdupq_n_s8(static_cast<std::int8_t>(qmax)));
    vst1q_s8(dst, v);
  } else {
    uint8x16_t v = vcombine_u8(vqmovun_s16(ab), vqmovun_s16(cd));
    v = vminq_u8(vmaxq_u8(v, vdupq_n_u8(static_cast<std::uint8_t>(qmin))), vdupq_n_u8(static_cast<std::uint8_t>(qmax)));
    vst1q_u8(dst, v);
  }
  return true;
}

}  // namespace qtz::kernels::neon::ops

#endif  // QTZ_HAVE_NEON
