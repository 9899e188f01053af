// The SIMD kernel bodies, written once over a small vector-operation layer and instantiated per ISA
// (the Highway "foreach_target" pattern, header-only). NOT a standalone header: it is included by
// kernels/<isa>/quantize.hpp inside `namespace qtz::kernels::<isa>`, with
//   QTZ_KTARGET  the ISA's target attribute (QTZ_TARGET_AVX2, QTZ_TARGET_AVX512, or nothing for NEON)
//   ops::        the ISA's operations (kernels/<isa>/common.hpp): F, I, M, W, kVecBytes, ...
// Every function here carries QTZ_KTARGET (rule B2), has the scalar spec's signature (rule B1),
// calls the scalar spec for tails and for policies it does not implement (stochastic rounding,
// rule B6), and reproduces the spec byte for byte (tests/kernels/*_bitexact_test.cpp).
//
// Quantize per element is the spec's sequence of single IEEE operations (eqs. (1)-(5)):
//   t = x*R or x/S;  NaN -> 0 (compare-and-select);  clamp to [qmin-Z, qmax-Z];  round with a
//   static-rounding convert (half-away: trunc + exact fraction, as the spec);  + Z in int32.
//
// Exact `divide` at reciprocal speed (ScaleMode::divide_fast, DESIGN §1): with R' = fl(1/S) (normal),
// t' = fl(x*R') and t = fl(x/S) satisfy |t' - t| <= 3*2^-24 |x/S| < 2^-22 |t'| (+ 2^-149 in the
// subnormal range). round(clamp(.)) and the fake-quant mask are monotone step functions of t whose
// steps lie at half-integers (nearest modes) or integers (floor, toward-zero) inside
// [qmin-Z-1, qmax-Z+1]. A lane is therefore exact unless t', clamped to the window
// [qmin-Z-1.75, qmax-Z+1.75], lies within eps = 2^-20 |t'| + 2^-126 (4x margin) of such a step; for
// those rare lanes the whole vector is recomputed with the IEEE division and blended.

#if !defined(QTZ_DETAIL_UNROLL4)
#if defined(__clang__)
#define QTZ_DETAIL_UNROLL4 _Pragma("unroll 4")
#elif defined(__GNUC__)
#define QTZ_DETAIL_UNROLL4 _Pragma("GCC unroll 4")
#else
#define QTZ_DETAIL_UNROLL4
#endif
#endif

namespace body {

enum class ScaleMode : std::uint8_t { reciprocal, divide, divide_fast };

/// Above this many elements, quantize/dequantize stream their output with non-temporal stores
/// (performance.md: 2.5x slower in L1, 1.2x faster from DRAM).
constexpr std::size_t kNonTemporalMinElements = std::size_t{1} << 22;

struct LaneParams {
  ops::F s, r, lo, hi, wlo, whi, mlo, mhi;
  ops::I zp, lo_m1, hi_p1;
};

struct VecSrc {
  const float* s;
  const float* r;
  const std::int32_t* zp;
  std::int32_t qmin, qmax;
};

QTZ_KTARGET inline void uniform_params(LaneParams& p, float s, float r, std::int32_t zp, std::int32_t qmin,
                                       std::int32_t qmax) noexcept {
  const auto lo = static_cast<float>(qmin - zp), hi = static_cast<float>(qmax - zp);  // exact
  p.s = ops::set1f(s);
  p.r = ops::set1f(r);
  p.lo = ops::set1f(lo);
  p.hi = ops::set1f(hi);
  p.wlo = ops::set1f(lo - 1.75f);  // exact: |lo| < 2^17
  p.whi = ops::set1f(hi + 1.75f);
  p.mlo = ops::set1f(static_cast<float>(qmin - zp - 1));
  p.mhi = ops::set1f(static_cast<float>(qmax - zp + 1));
  p.zp = ops::set1i(zp);
  p.lo_m1 = ops::set1i(qmin - zp - 1);
  p.hi_p1 = ops::set1i(qmax - zp + 1);
}

QTZ_KTARGET inline void vector_params(LaneParams& p, const VecSrc& v, std::size_t i) noexcept {
  p.s = ops::loadf(v.s + i);
  p.r = ops::loadf(v.r + i);
  p.zp = ops::loadi32(v.zp + i);
  const ops::I lo = ops::subi(ops::set1i(v.qmin), p.zp), hi = ops::subi(ops::set1i(v.qmax), p.zp);
  p.lo = ops::cvtf(lo);  // exact: |qmin - Z| < 2^17
  p.hi = ops::cvtf(hi);
  p.lo_m1 = ops::subi(lo, ops::set1i(1));
  p.hi_p1 = ops::addi(hi, ops::set1i(1));
  p.mlo = ops::cvtf(p.lo_m1);
  p.mhi = ops::cvtf(p.hi_p1);
  p.wlo = p.mlo;  // unused by the vector kernels (no divide_fast), set for completeness
  p.whi = p.mhi;
}

/// eq. (1), with the divide_fast repair described above.
template <ScaleMode Sm, Rounding Rm>
QTZ_KTARGET inline ops::F scale_step(ops::F x, const LaneParams& p) noexcept {
  if constexpr (Sm == ScaleMode::reciprocal) {
    return ops::mul(x, p.r);
  } else if constexpr (Sm == ScaleMode::divide) {
    return ops::div(x, p.s);
  } else {
    const ops::F t = ops::mul(x, p.r);  // p.r = fl(1/S) here
    const ops::F tc = ops::min(ops::max(t, p.wlo), p.whi);
    ops::F d;
    if constexpr (Rm == Rounding::half_even || Rm == Rounding::half_away) {
      d = ops::sub(ops::sub(tc, ops::floor_f(tc)), ops::set1f(0.5f));  // distance to k + 0.5
    } else {
      d = ops::sub(tc, ops::round_even_f(tc));  // distance to the nearest integer
    }
    const ops::F eps = ops::add(ops::mul(ops::absf(tc), ops::set1f(0x1p-20f)), ops::set1f(0x1p-126f));
    const ops::M risky = ops::cmp_le(ops::absf(d), eps);
    if (ops::any(risky)) return ops::select(risky, ops::div(x, p.s), t);
    return t;
  }
}

/// eq. (4) on clamped t (|t| < 2^17): static-rounding converts; half-away as the spec computes it.
template <Rounding Rm>
QTZ_KTARGET inline ops::I round_i(ops::F t) noexcept {
  if constexpr (Rm == Rounding::half_even) {
    return ops::cvt_even(t);
  } else if constexpr (Rm == Rounding::floor) {
    return ops::cvt_floor(t);
  } else if constexpr (Rm == Rounding::toward_zero) {
    return ops::cvtt(t);
  } else {
    ops::I i = ops::cvtt(t);
    const ops::F f = ops::sub(t, ops::cvtf(i));  // exact fraction
    i = ops::inc_if(i, ops::cmp_ge(f, ops::set1f(0.5f)));
    return ops::dec_if(i, ops::cmp_le(f, ops::set1f(-0.5f)));
  }
}

/// eqs. (2)-(5) on clamped, NaN-free t.
template <Rounding Rm>
QTZ_KTARGET inline ops::I round_clamped(ops::F t, const LaneParams& p) noexcept {
  t = ops::zero_unless(ops::ordered(t), t);  // (2) NaN -> 0, before min/max (rule E4)
  t = ops::min(ops::max(t, p.lo), p.hi);      // (3)
  return round_i<Rm>(t);                      // (4)
}

template <ScaleMode Sm, Rounding Rm, bool Vec>
QTZ_KTARGET inline ops::I codes_at(const float* x, std::size_t i, const LaneParams& up, const VecSrc& vs) noexcept {
  if constexpr (Vec) {
    LaneParams p{};
    vector_params(p, vs, i);
    return ops::addi(round_clamped<Rm>(scale_step<Sm, Rm>(ops::loadf(x + i), p), p), p.zp);  // (5)
  } else {
    return ops::addi(round_clamped<Rm>(scale_step<Sm, Rm>(ops::loadf(x + i), up), up), up.zp);
  }
}

/// Vector part of quantize; returns how many elements it wrote (the caller finishes with the spec).
template <class Q, ScaleMode Sm, Rounding Rm, bool Vec>
QTZ_KTARGET inline std::size_t quantize_run(const float* x, Q* q, std::size_t n, const LaneParams& up,
                                            const VecSrc& vs, bool nt) noexcept {
  constexpr std::size_t K = 4 / sizeof(Q);  // int32 vectors per full vector of Q
  constexpr std::size_t B = K * ops::W;
  std::size_t i = 0;
  ops::I v[K];
  if (nt) {
    for (; i + B <= n; i += B) {
      for (std::size_t k = 0; k < K; ++k) v[k] = codes_at<Sm, Rm, Vec>(x, i + k * ops::W, up, vs);
      ops::store_block<Q, true>(q + i, v);
    }
    ops::sfence();
  } else {
    for (; i + B <= n; i += B) {
      for (std::size_t k = 0; k < K; ++k) v[k] = codes_at<Sm, Rm, Vec>(x, i + k * ops::W, up, vs);
      ops::store_block<Q, false>(q + i, v);
    }
  }
  for (; i + ops::W <= n; i += ops::W) ops::store1<Q>(q + i, codes_at<Sm, Rm, Vec>(x, i, up, vs));
  return i;
}

template <class Q, ScaleMode Sm, bool Vec>
QTZ_KTARGET inline std::size_t quantize_rm(const float* x, Q* q, std::size_t n, const LaneParams& up,
                                           const VecSrc& vs, bool nt, Rounding rm) noexcept {
  switch (rm) {
    case Rounding::half_even: return quantize_run<Q, Sm, Rounding::half_even, Vec>(x, q, n, up, vs, nt);
    case Rounding::half_away: return quantize_run<Q, Sm, Rounding::half_away, Vec>(x, q, n, up, vs, nt);
    case Rounding::floor: return quantize_run<Q, Sm, Rounding::floor, Vec>(x, q, n, up, vs, nt);
    case Rounding::toward_zero: return quantize_run<Q, Sm, Rounding::toward_zero, Vec>(x, q, n, up, vs, nt);
    case Rounding::stochastic: break;  // the scalar spec does it
  }
  return 0;
}

/// Elements to handle with the spec first so that dst + head is aligned for non-temporal stores;
/// nt reports whether streaming is used.
template <class T>
inline std::size_t nt_head(const T* dst, std::size_t n, bool& nt) noexcept {
  nt = false;
  const auto a = reinterpret_cast<std::uintptr_t>(dst);
  if (n < kNonTemporalMinElements || a % sizeof(T) != 0) return 0;
  nt = true;
  return ((ops::kVecBytes - a % ops::kVecBytes) % ops::kVecBytes) / sizeof(T);
}

/// R' = fl(1/S) when divide_fast is valid (S and R' normal), else 0.
inline float fast_divide_inverse(float s) noexcept {
  if (!(s >= 0x1p-126f && s <= 0x1p125f)) return 0.0f;
  return 1.0f / s;
}

template <ScaleMode Sm, Rounding Rm, bool Vec>
QTZ_KTARGET inline void fake_lanes(const float* x, float* y, std::uint8_t* mask, std::size_t i, const LaneParams& up,
                                   const VecSrc& vs, bool div_inv) noexcept {
  LaneParams vp{};
  if constexpr (Vec) vector_params(vp, vs, i);
  const LaneParams& p = Vec ? vp : up;
  const ops::F t = scale_step<Sm, Rm>(ops::loadf(x + i), p);
  const ops::M ord = ops::ordered(t);
  const ops::F v = ops::cvtf(round_clamped<Rm>(t, p));  // float(q - Z), exact
  if (div_inv) {  // eq. (6), tensorrt: v / R, and 0 when R = 0
    ops::storef(y + i, ops::select(ops::cmp_eq(p.r, ops::set1f(0.0f)), ops::set1f(0.0f), ops::div(v, p.r)));
  } else {
    ops::storef(y + i, ops::mul(v, p.s));
  }
  if (mask) {  // eq. (17): qmin <= round(t) + Z <= qmax before the clamp; 0 for NaN
    const ops::F tz = ops::zero_unless(ord, t);
    const ops::I r = round_i<Rm>(ops::min(ops::max(tz, p.mlo), p.mhi));
    const ops::M in = ops::and_m(ord, ops::and_m(ops::cmpi_gt(r, p.lo_m1), ops::cmpi_gt(p.hi_p1, r)));
    ops::store_mask1(mask + i, in);
  }
}

template <ScaleMode Sm, Rounding Rm, bool Vec>
QTZ_KTARGET inline std::size_t fake_run(const float* x, float* y, std::uint8_t* mask, std::size_t n,
                                        const LaneParams& up, const VecSrc& vs, bool div_inv) noexcept {
  std::size_t i = 0;
  for (; i + ops::W <= n; i += ops::W) fake_lanes<Sm, Rm, Vec>(x, y, mask, i, up, vs, div_inv);
  return i;
}

template <ScaleMode Sm, bool Vec>
QTZ_KTARGET inline std::size_t fake_rm(const float* x, float* y, std::uint8_t* mask, std::size_t n,
                                       const LaneParams& up, const VecSrc& vs, bool div_inv, Rounding rm) noexcept {
  switch (rm) {
    case Rounding::half_even: return fake_run<Sm, Rounding::half_even, Vec>(x, y, mask, n, up, vs, div_inv);
    case Rounding::half_away: return fake_run<Sm, Rounding::half_away, Vec>(x, y, mask, n, up, vs, div_inv);
    case Rounding::floor: return fake_run<Sm, Rounding::floor, Vec>(x, y, mask, n, up, vs, div_inv);
    case Rounding::toward_zero: return fake_run<Sm, Rounding::toward_zero, Vec>(x, y, mask, n, up, vs, div_inv);
    case Rounding::stochastic: break;
  }
  return 0;
}

template <class Q, bool Vec, bool NT>
QTZ_KTARGET inline std::size_t dequantize_run(const Q* q, float* x, std::size_t n, const LaneParams& up,
                                              const VecSrc& vs, bool div_inv) noexcept {
  std::size_t i = 0;
  LaneParams vp{};
  for (; i + ops::W <= n; i += ops::W) {
    if constexpr (Vec) vector_params(vp, vs, i);
    const LaneParams& p = Vec ? vp : up;
    const ops::F v = ops::cvtf(ops::subi(ops::load_codes<Q>(q + i), p.zp));  // exact
    const ops::F out = div_inv ? ops::select(ops::cmp_eq(p.r, ops::set1f(0.0f)), ops::set1f(0.0f), ops::div(v, p.r))
                               : ops::mul(v, p.s);
    if constexpr (NT) ops::streamf(x + i, out);
    else ops::storef(x + i, out);
  }
  if constexpr (NT) ops::sfence();
  return i;
}

// ---- fast 8-bit quantize (int8/uint8 codes; half_even, floor, toward_zero; Z in [qmin, qmax]) ----
// No float clamp: r = round(t) by one static-rounding convert, saturating packs to int16, + Z with
// int16 saturation, saturating pack to 8 bits, then an 8-bit clamp to [qmin, qmax]. Since the
// bounds qmin - Z <= 0 <= qmax - Z are integers and rounding is monotone, clamp(round(t)) + Z is
// the spec's round(clamp(t)) + Z, and every saturation is monotone, so an out-of-range r still
// lands on the right bound. The one exception is a convert that returns INT_MIN (NaN, |t| >= 2^31;
// t <= -32767.5 also saturates to -32768): ops::store_fast8 reports any int16 lane equal to
// -32768 and the block is redone with the general sequence (rare).
// divide_fast screen, cheaper than scale_step's: with eps = 2^-20 (qmax - qmin + 2) + 2^-126 (>= 4x
// the bound |t' - t| for every t' inside the window where the result is not saturated, see the top
// of this file), a block is exact unless some lane has |t' - rne(t')| >= 0.5 - eps (NaN counts as
// risky); such a block is recomputed with the IEEE division.

/// Whether the fast 8-bit path can run for this configuration (per call; Z is checked per parameter).
template <class Q>
inline bool fast8_config(const KernelConfig& c) noexcept {
  if constexpr (sizeof(Q) != 1) {
    return false;
  } else {
    if (c.qmin < std::numeric_limits<Q>::min() || c.qmax > std::numeric_limits<Q>::max() || c.qmin > c.qmax)
      return false;
    if (c.scale_op == ScaleOp::divide) return c.rounding == Rounding::half_even;
    return c.rounding == Rounding::half_even || c.rounding == Rounding::floor || c.rounding == Rounding::toward_zero;
  }
}

/// Bits of 0.5 - eps (see above): |t' - rne(t')| at or above it marks a lane as risky.
inline std::uint32_t fast8_risk_bits(const KernelConfig& c) noexcept {
  const float eps = 0x1p-20f * static_cast<float>(c.qmax - c.qmin + 2) + 0x1p-126f;
  const float thr = 0.5f - eps;
  std::uint32_t b;
  std::memcpy(&b, &thr, 4);
  return b;
}

/// The spec's (S, R, Z) lane parameters from registers (for the general fallback of a fast block).
QTZ_KTARGET inline void lane_params(LaneParams& p, ops::F s, ops::F r, ops::I zp, std::int32_t qmin,
                                    std::int32_t qmax) noexcept {
  p.s = s;
  p.r = r;
  p.zp = zp;
  const ops::I lo = ops::subi(ops::set1i(qmin), zp), hi = ops::subi(ops::set1i(qmax), zp);
  p.lo = ops::cvtf(lo);
  p.hi = ops::cvtf(hi);
  p.lo_m1 = ops::subi(lo, ops::set1i(1));
  p.hi_p1 = ops::addi(hi, ops::set1i(1));
  p.mlo = ops::cvtf(p.lo_m1);
  p.mhi = ops::cvtf(p.hi_p1);
  p.wlo = p.mlo;
  p.whi = p.mhi;
}

/// Parameters of one tensor: every vector gets the same (S, R or R', Z). A source fills R and Z of
/// the next 4 vectors (block) and, on request, S of the same vectors (scales).
struct UniformSrc {
  ops::F r, s;
  ops::I z;
  QTZ_KTARGET bool block(ops::F* rv, ops::I* zv) noexcept {
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) {
      rv[k] = r;
      zv[k] = z;
    }
    return true;
  }
  QTZ_KTARGET void scales(ops::F* sv) const noexcept {
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) sv[k] = s;
  }
};

/// Short runs: run % W == 0 and run divides 4W (run = W or 2W; period >= 1). A block of 4W elements
/// covers step = 4W / run whole runs, so vector k of every block uses parameter p + off[k] with fixed
/// off[k] = (pos + kW) / run, and p advances by `step` per block. R (or, Div, R' = fl(1/S), one
/// vector division), S and Z of W consecutive parameters (wrapping at `period`) are held in a window
/// from which a block broadcasts at offset idx + off[k]: no index arithmetic or wrap test per
/// vector. The window moves on when the next block would read past its end (off[3] <= step <= 4,
/// so at least W - 4 of its W parameters are used). The caller has checked every parameter the call
/// touches (runs_params_ok). Used by RunSrc.
template <bool Div>
struct RunWindow {
  const float* S;
  const float* R;
  const std::int32_t* Z;
  std::size_t period;
  std::size_t wp = 0, idx = 0, j0 = 0;  // window = parameters wp, wp + 1, ... (mod period)
  std::size_t off[4] = {}, step = 0;
  // W entries each, owned by the caller: arrays inside the source would make the whole source
  // addressable, and its walk state would then live in memory instead of registers.
  float* rw;
  float* sw;
  std::int32_t* zw;

  static constexpr bool applies(std::size_t run) noexcept {
    return run % ops::W == 0 && run < 4 * ops::W && (4 * ops::W) % run == 0;
  }
  QTZ_KTARGET void setup(std::size_t run, std::size_t p, std::size_t pos) noexcept {
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) off[k] = (pos + k * ops::W) / run;
    step = 4 * ops::W / run;
    wp = p;
    idx = 0;
    fill();
  }
  QTZ_KTARGET void fill() noexcept {
    if (wp + ops::W <= period) {
      const ops::F sv = ops::loadf(S + wp);
      ops::storef(sw, sv);
      ops::storef(rw, Div ? ops::div(ops::set1f(1.0f), sv) : ops::loadf(R + wp));
      ops::storei32(zw, ops::loadi32(Z + wp));
    } else {
      for (std::size_t k = 0, j = wp; k < ops::W; ++k) {
        sw[k] = S[j];
        rw[k] = Div ? 1.0f / S[j] : R[j];
        zw[k] = Z[j];
        j = j + 1 == period ? 0 : j + 1;
      }
    }
  }
  QTZ_KTARGET void block(ops::F* rv, ops::I* zv) noexcept {
    if (idx + off[3] >= ops::W) {
      wp += idx;
      while (wp >= period) wp -= period;
      idx = 0;
      fill();
    }
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) {
      rv[k] = ops::bcastf(rw + idx + off[k]);
      zv[k] = ops::bcasti(zw + idx + off[k]);
    }
    j0 = idx;
    idx += step;
  }
  QTZ_KTARGET void scales(ops::F* sv) const noexcept {
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) sv[k] = ops::bcastf(sw + j0 + off[k]);
  }
  /// The parameter of the first run of the next block.
  std::size_t next_param() const noexcept {
    std::size_t p = wp + idx;
    while (p >= period) p -= period;
    return p;
  }
};

/// Runs of `run` elements (run % W == 0) sharing a parameter; the parameter index steps by one per
/// run and wraps at `period`. Runs of W and 2W go through a RunWindow (setup() decides; one source
/// type for both keeps the number of instantiated loops down). The caller has checked every
/// parameter the call touches (runs_params_ok). Div: R' = fl(1/S), computed up to W parameters at a
/// time (one vector division).
template <bool Div>
struct RunSrc {
  const float* S;
  const float* R;
  const std::int32_t* Z;
  std::size_t run, period, p, pos;
  float* rb;  // R'[base .. base + count), W entries owned by the caller (see RunWindow)
  RunWindow<Div> w;
  std::size_t base = ~std::size_t{0}, count = 0;
  std::size_t pk[4] = {};
  bool short_runs = false;
  QTZ_KTARGET void setup() noexcept {
    short_runs = RunWindow<Div>::applies(run);
    if (short_runs) w.setup(run, p, pos);  // pos then stays fixed
  }
  /// The parameter of the next element's run.
  std::size_t next_param() const noexcept { return short_runs ? w.next_param() : p; }
  QTZ_KTARGET const float* inverse(std::size_t pp) noexcept {
    if (!(pp >= base && pp - base < count)) {
      base = pp;
      if (pp + ops::W <= period) {
        count = ops::W;
        ops::storef(rb, ops::div(ops::set1f(1.0f), ops::loadf(S + pp)));
      } else {
        count = period - pp;
        for (std::size_t k = 0; k < count; ++k) rb[k] = 1.0f / S[pp + k];
      }
    }
    return rb + (pp - base);
  }
  QTZ_KTARGET const float* rptr(std::size_t pp) noexcept {
    if constexpr (Div) return inverse(pp);
    else return R + pp;
  }
  QTZ_KTARGET void next_run() noexcept {
    pos = 0;
    p = p + 1 == period ? 0 : p + 1;
  }
  QTZ_KTARGET bool block(ops::F* rv, ops::I* zv) noexcept {
    if (short_runs) {
      w.block(rv, zv);
      return true;
    }
    if (pos + 4 * ops::W <= run) {  // one parameter for the whole block
      const ops::F r = ops::bcastf(rptr(p));
      const ops::I z = ops::bcasti(Z + p);
      QTZ_DETAIL_UNROLL4
      for (std::size_t k = 0; k < 4; ++k) {
        rv[k] = r;
        zv[k] = z;
        pk[k] = p;
      }
      pos += 4 * ops::W;
      if (pos == run) next_run();
      return true;
    }
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) {
      rv[k] = ops::bcastf(rptr(p));
      zv[k] = ops::bcasti(Z + p);
      pk[k] = p;
      pos += ops::W;
      if (pos == run) next_run();
    }
    return true;
  }
  QTZ_KTARGET void scales(ops::F* sv) const noexcept {
    if (short_runs) {
      w.scales(sv);
      return;
    }
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) sv[k] = ops::bcastf(S + pk[k]);
  }
};

/// True when parameters first, first + 1, ... (count of them, wrapping at period) all have Z in
/// [qmin, qmax] and, for divide, S in [2^-126, 2^125] (so that R' = fl(1/S) is normal).
QTZ_KTARGET inline bool runs_params_ok(const float* S, const std::int32_t* Z, std::size_t first, std::size_t count,
                                       std::size_t period, const KernelConfig& c) noexcept {
  const bool div = c.scale_op == ScaleOp::divide;
  if (count > period) count = period;
  std::size_t k = first, left = count;
  while (left > 0) {
    std::size_t len = period - k < left ? period - k : left;
    left -= len;
    for (; len >= ops::W; len -= ops::W, k += ops::W)
      if (!ops::params_in_range(ops::loadf(S + k), ops::loadi32(Z + k), c.qmin, c.qmax, div, 0x1p-126f, 0x1p125f))
        return false;
    for (; len > 0; --len, ++k) {
      if (Z[k] < c.qmin || Z[k] > c.qmax) return false;
      if (div && !(S[k] >= 0x1p-126f && S[k] <= 0x1p125f)) return false;
    }
    k = 0;
  }
  return true;
}

/// Element k uses table entry (j0 + k) % lp, where lp is a multiple of the period >= 4W and the
/// tables hold lp + 4W entries (entry e = parameter e % period): a block loads at j, j + W, j + 2W,
/// j + 3W without wrapping, and j wraps once per block.
struct TableSrc {
  const float* S;
  const float* R;
  const std::int32_t* Z;
  std::size_t lp, j;
  std::size_t j0 = 0;
  QTZ_KTARGET bool block(ops::F* rv, ops::I* zv) noexcept {
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) {
      rv[k] = ops::loadf(R + j + k * ops::W);
      zv[k] = ops::loadi32(Z + j + k * ops::W);
    }
    j0 = j;
    j += 4 * ops::W;
    if (j >= lp) j -= lp;
    return true;
  }
  QTZ_KTARGET void scales(ops::F* sv) const noexcept {
    QTZ_DETAIL_UNROLL4
    for (std::size_t k = 0; k < 4; ++k) sv[k] = ops::loadf(S + j0 + k * ops::W);
  }
};

/// The fast 8-bit block loop; returns how many elements it wrote (a multiple of 4W).
template <class Q, ScaleMode Sm, Rounding Rm, bool NT, class Src>
QTZ_KTARGET inline std::size_t fast8_loop(const float* x, Q* q, std::size_t n, Src& src_in, std::int32_t qmin,
                                          std::int32_t qmax, std::uint32_t risk) noexcept {
  constexpr std::size_t B = 4 * ops::W;
  constexpr ScaleMode exact = Sm == ScaleMode::reciprocal ? ScaleMode::reciprocal : ScaleMode::divide;
  // A local copy: stores through the 8-bit Q* may alias any object, so the walk state of a source
  // reached by reference would be reloaded after every store.
  Src src = src_in;
  std::size_t i = 0;
  for (; i + B <= n; i += B) {
    ops::F rv[4], sv[4], t[4];
    ops::I zv[4], r[4];
    const bool ok = src.block(rv, zv);  // sv: only on the rare paths (src.scales)
    bool stored = false;
    if (ok) {
      QTZ_DETAIL_UNROLL4
      for (std::size_t k = 0; k < 4; ++k) t[k] = ops::mul(ops::loadf(x + i + k * ops::W), rv[k]);
      if constexpr (Sm == ScaleMode::divide_fast) {
        const ops::I m = ops::absmax4_bits(ops::dist_rne(t[0]), ops::dist_rne(t[1]), ops::dist_rne(t[2]),
                                           ops::dist_rne(t[3]));
        if (ops::any_ge_u(m, risk)) {
          src.scales(sv);
          QTZ_DETAIL_UNROLL4
          for (std::size_t k = 0; k < 4; ++k) t[k] = ops::div(ops::loadf(x + i + k * ops::W), sv[k]);
        }
      }
      QTZ_DETAIL_UNROLL4
      for (std::size_t k = 0; k < 4; ++k) r[k] = round_i<Rm>(t[k]);
      stored = ops::store_fast8<Q, NT>(q + i, r, ops::pack_zp(zv[0], zv[1]), ops::pack_zp(zv[2], zv[3]), qmin, qmax);
    }
    if (!stored) {  // the general sequence of the spec, lane by lane exact
      src.scales(sv);
      QTZ_DETAIL_UNROLL4
      for (std::size_t k = 0; k < 4; ++k) {
        LaneParams lp{};
        lane_params(lp, sv[k], rv[k], zv[k], qmin, qmax);
        r[k] = ops::addi(round_clamped<Rm>(scale_step<exact, Rm>(ops::loadf(x + i + k * ops::W), lp), lp), lp.zp);
      }
      ops::store_block<Q, NT>(q + i, r);
    }
  }
  if constexpr (NT) ops::sfence();
  src_in = src;
  return i;
}

template <class Q, bool NT, class Src>
QTZ_KTARGET inline std::size_t fast8_mode(const float* x, Q* q, std::size_t n, Src& src, const KernelConfig& c) noexcept {
  if constexpr (sizeof(Q) != 1) {
    return 0;  // never reached (fast8_config), and keeps ops::store_fast8 8-bit only
  } else {
  const std::uint32_t risk = fast8_risk_bits(c);
  if (c.scale_op == ScaleOp::divide)
    return fast8_loop<Q, ScaleMode::divide_fast, Rounding::half_even, NT>(x, q, n, src, c.qmin, c.qmax, risk);
  switch (c.rounding) {
    case Rounding::half_even:
      return fast8_loop<Q, ScaleMode::reciprocal, Rounding::half_even, NT>(x, q, n, src, c.qmin, c.qmax, risk);
    case Rounding::floor:
      return fast8_loop<Q, ScaleMode::reciprocal, Rounding::floor, NT>(x, q, n, src, c.qmin, c.qmax, risk);
    case Rounding::toward_zero:
      return fast8_loop<Q, ScaleMode::reciprocal, Rounding::toward_zero, NT>(x, q, n, src, c.qmin, c.qmax, risk);
    default: return 0;
  }
  }
}

/// quantize_runs' fast loop with one parameter source: returns the elements done after `head`.
template <class Q, class Src>
QTZ_KTARGET inline std::size_t runs_fast8(const float* x, Q* q, std::size_t n, std::size_t head, bool nt, Src& src,
                                          const KernelConfig& c) noexcept {
  return nt ? fast8_mode<Q, true>(x + head, q + head, n - head, src, c)
            : fast8_mode<Q, false>(x + head, q + head, n - head, src, c);
}

/// Largest period for which quantize_runs(run = 1) builds parameter tables on the stack.
constexpr std::size_t kMaxTablePeriod = 1024;
/// Table entries: a multiple of the period >= 4W (at most kMaxTablePeriod + 4W - 1) plus 4W.
constexpr std::size_t kTableEntries = kMaxTablePeriod + 8 * ops::W;

}  // namespace body

/// Same contract as scalar::quantize_uniform.
template <class Q>
QTZ_KTARGET inline void quantize_uniform(const float* x, Q* q, std::size_t n, float scale, float inv_scale,
                                         std::int32_t zp, const KernelConfig& c,
                                         std::uint64_t index_base = 0) noexcept {
  if (c.rounding == Rounding::stochastic || n < ops::W) {
    scalar::quantize_uniform(x, q, n, scale, inv_scale, zp, c, index_base);
    return;
  }
  bool nt = false;
  const std::size_t head = body::nt_head(q, n, nt);
  scalar::quantize_uniform(x, q, head, scale, inv_scale, zp, c, index_base);
  if (body::fast8_config<Q>(c) && zp >= c.qmin && zp <= c.qmax) {
    const bool div = c.scale_op == ScaleOp::divide;
    const float r = div ? body::fast_divide_inverse(scale) : inv_scale;
    if (!div || r != 0.0f) {
      body::UniformSrc src{ops::set1f(r), ops::set1f(scale), ops::set1i(zp)};
      const std::size_t done =
          head + (nt ? body::fast8_mode<Q, true>(x + head, q + head, n - head, src, c)
                     : body::fast8_mode<Q, false>(x + head, q + head, n - head, src, c));
      scalar::quantize_uniform(x + done, q + done, n - done, scale, inv_scale, zp, c, index_base + done);
      return;
    }
  }
  body::LaneParams up{};
  const body::VecSrc vs{nullptr, nullptr, nullptr, c.qmin, c.qmax};
  std::size_t done = head;
  if (c.scale_op == ScaleOp::reciprocal) {
    body::uniform_params(up, scale, inv_scale, zp, c.qmin, c.qmax);
    done += body::quantize_rm<Q, body::ScaleMode::reciprocal, false>(x + head, q + head, n - head, up, vs, nt, c.rounding);
  } else if (const float r = body::fast_divide_inverse(scale); r != 0.0f) {
    body::uniform_params(up, scale, r, zp, c.qmin, c.qmax);
    done += body::quantize_rm<Q, body::ScaleMode::divide_fast, false>(x + head, q + head, n - head, up, vs, nt, c.rounding);
  } else {
    body::uniform_params(up, scale, inv_scale, zp, c.qmin, c.qmax);
    done += body::quantize_rm<Q, body::ScaleMode::divide, false>(x + head, q + head, n - head, up, vs, nt, c.rounding);
  }
  scalar::quantize_uniform(x + done, q + done, n - done, scale, inv_scale, zp, c, index_base + done);
}

/// Same contract as scalar::quantize_vector (divide uses the IEEE division directly here).
template <class Q>
QTZ_KTARGET inline void quantize_vector(const float* x, Q* q, std::size_t n, const float* scale,
                                        const float* inv_scale, const std::int32_t* zp, const KernelConfig& c,
                                        std::uint64_t index_base = 0) noexcept {
  std::size_t done = 0;
  if (c.rounding != Rounding::stochastic && n >= ops::W) {
    const body::LaneParams up{};
    const body::VecSrc vs{scale, inv_scale, zp, c.qmin, c.qmax};
    done = c.scale_op == ScaleOp::reciprocal
               ? body::quantize_rm<Q, body::ScaleMode::reciprocal, true>(x, q, n, up, vs, false, c.rounding)
               : body::quantize_rm<Q, body::ScaleMode::divide, true>(x, q, n, up, vs, false, c.rounding);
  }
  scalar::quantize_vector(x + done, q + done, n - done, scale + done, inv_scale + done, zp + done, c,
                          index_base + done);
}

/// quantize_runs over elements [k, end) with the general per-run / per-row kernels, starting at
/// parameter p (and, for run > 1, at offset pos inside its run); p and pos are advanced.
/// (Parenthesised names: no argument-dependent lookup of the qtz::kernels::quantize_* entry points.)
template <class Q>
QTZ_KTARGET inline void runs_general(const float* x, Q* q, std::size_t k, std::size_t end, std::size_t run,
                                     const float* scale, const float* inv_scale, const std::int32_t* zp,
                                     std::size_t period, std::size_t& p, std::size_t& pos, const KernelConfig& c,
                                     std::uint64_t index_base) noexcept {
  if (run == 1) {  // row by row with the per-element kernel
    while (k < end) {
      const std::size_t len = period - p < end - k ? period - p : end - k;
      (quantize_vector)(x + k, q + k, len, scale + p, inv_scale + p, zp + p, c, index_base + k);
      k += len;
      p += len;
      if (p == period) p = 0;
    }
  } else {  // run by run
    while (k < end) {
      const std::size_t len = run - pos < end - k ? run - pos : end - k;
      (quantize_uniform)(x + k, q + k, len, scale[p], inv_scale[p], zp[p], c, index_base + k);
      k += len;
      pos += len;
      if (pos == run) {
        pos = 0;
        p = p + 1 == period ? 0 : p + 1;
      }
    }
  }
}

/// Element k of x[0..n) quantized with parameter (phase + k / run) % period (run >= 1,
/// 1 <= period, phase < period): a per-channel tensor with the channel axis outermost (run = inner),
/// innermost (run = 1) and a blocked-innermost per-group tensor (run = G) in one call. Same bytes as
/// calling scalar::quantize_uniform once per run (dispatch.hpp, kernels::quantize_runs_reference).
/// Large outputs are streamed (non-temporal) as in quantize_uniform.
template <class Q>
QTZ_KTARGET inline void quantize_runs(const float* x, Q* q, std::size_t n, std::size_t run, const float* scale,
                                      const float* inv_scale, const std::int32_t* zp, std::size_t period,
                                      std::size_t phase, const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  std::size_t done = 0, p = phase, pos = 0;
  const bool broadcast = run % ops::W == 0, table = run == 1 && period <= body::kMaxTablePeriod;
  if (body::fast8_config<Q>(c) && n >= 8 * ops::W && (broadcast || table)) {
    bool nt = false;
    std::size_t head = body::nt_head(q, n, nt);
    if (nt && broadcast && head % ops::W != 0) {  // the broadcast walk needs vector-aligned run offsets
      nt = false;
      head = 0;
    }
    if (broadcast && body::runs_params_ok(scale, zp, phase, n / run + 1, period, c)) {
      runs_general(x, q, 0, head, run, scale, inv_scale, zp, period, p, pos, c, index_base);
      alignas(64) float rb[ops::W], rw[ops::W], sw[ops::W];
      alignas(64) std::int32_t zw[ops::W];
      if (c.scale_op == ScaleOp::divide) {
        const body::RunWindow<true> w{scale, inv_scale, zp, period, 0, 0, 0, {}, 0, rw, sw, zw};
        body::RunSrc<true> src{scale, inv_scale, zp, run, period, p, pos, rb, w};
        src.setup();
        done = head + body::runs_fast8(x, q, n, head, nt, src, c);
        p = src.next_param();
        pos = src.pos;
      } else {
        const body::RunWindow<false> w{scale, inv_scale, zp, period, 0, 0, 0, {}, 0, rw, sw, zw};
        body::RunSrc<false> src{scale, inv_scale, zp, run, period, p, pos, rb, w};
        src.setup();
        done = head + body::runs_fast8(x, q, n, head, nt, src, c);
        p = src.next_param();
        pos = src.pos;
      }
    } else if (table) {
      alignas(64) float st[body::kTableEntries], rt[body::kTableEntries];
      alignas(64) std::int32_t zt[body::kTableEntries];
      const std::size_t lp = (4 * ops::W + period - 1) / period * period;  // multiple of period, >= 4W
      const std::size_t entries = lp + 4 * ops::W;  // a multiple of W
      for (std::size_t k = 0, j = 0; k < entries; ++k) {
        st[k] = scale[j];
        rt[k] = inv_scale[j];
        zt[k] = zp[j];
        j = j + 1 == period ? 0 : j + 1;
      }
      // every parameter once (entries >= period): Z in range, and for divide R' = fl(1/S) normal
      const bool div = c.scale_op == ScaleOp::divide;
      bool ok = body::runs_params_ok(st, zt, 0, period, entries, c);
      if (ok && div)
        for (std::size_t k = 0; k < entries; k += ops::W) ops::storef(rt + k, ops::div(ops::set1f(1.0f), ops::loadf(st + k)));
      if (ok) {
        runs_general(x, q, 0, head, run, scale, inv_scale, zp, period, p, pos, c, index_base);
        body::TableSrc src{st, rt, zt, lp, p, 0};
        done = head + (nt ? body::fast8_mode<Q, true>(x + head, q + head, n - head, src, c)
                          : body::fast8_mode<Q, false>(x + head, q + head, n - head, src, c));
        p = src.j % period;
      }
    }
  }
  runs_general(x, q, done, n, run, scale, inv_scale, zp, period, p, pos, c, index_base);
}

/// Same contract as scalar::dequantize_uniform.
template <class Q>
QTZ_KTARGET inline void dequantize_uniform(const Q* q, float* x, std::size_t n, float scale, float inv_scale,
                                           std::int32_t zp, DequantOp op) noexcept {
  bool nt = false;
  const std::size_t head = n < ops::W ? 0 : body::nt_head(x, n, nt);
  scalar::dequantize_uniform(q, x, head, scale, inv_scale, zp, op);
  body::LaneParams up{};
  body::uniform_params(up, scale, inv_scale, zp, 0, 0);
  const body::VecSrc vs{nullptr, nullptr, nullptr, 0, 0};
  const bool div_inv = op == DequantOp::divide_by_inverse;
  const std::size_t done =
      head + (nt ? body::dequantize_run<Q, false, true>(q + head, x + head, n - head, up, vs, div_inv)
                 : body::dequantize_run<Q, false, false>(q + head, x + head, n - head, up, vs, div_inv));
  scalar::dequantize_uniform(q + done, x + done, n - done, scale, inv_scale, zp, op);
}

/// Same contract as scalar::dequantize_vector.
template <class Q>
QTZ_KTARGET inline void dequantize_vector(const Q* q, float* x, std::size_t n, const float* scale,
                                          const float* inv_scale, const std::int32_t* zp, DequantOp op) noexcept {
  const body::LaneParams up{};
  const body::VecSrc vs{scale, inv_scale, zp, 0, 0};
  const std::size_t done =
      body::dequantize_run<Q, true, false>(q, x, n, up, vs, op == DequantOp::divide_by_inverse);
  scalar::dequantize_vector(q + done, x + done, n - done, scale + done, inv_scale + done, zp + done, op);
}

/// Same contract as scalar::fake_quantize_uniform.
QTZ_KTARGET inline void fake_quantize_uniform(const float* x, float* y, std::uint8_t* mask, std::size_t n,
                                              float scale, float inv_scale, std::int32_t zp, const KernelConfig& c,
                                              std::uint64_t index_base = 0) noexcept {
  std::size_t done = 0;
  if (c.rounding != Rounding::stochastic && n >= ops::W) {
    body::LaneParams up{};
    const body::VecSrc vs{nullptr, nullptr, nullptr, c.qmin, c.qmax};
    const bool div_inv = c.dequant_op == DequantOp::divide_by_inverse;
    if (c.scale_op == ScaleOp::reciprocal) {
      body::uniform_params(up, scale, inv_scale, zp, c.qmin, c.qmax);
      done = body::fake_rm<body::ScaleMode::reciprocal, false>(x, y, mask, n, up, vs, div_inv, c.rounding);
    } else if (const float r = body::fast_divide_inverse(scale); r != 0.0f && !div_inv) {
      // (divide_by_inverse would read R from the same register as R' = fl(1/S): exact path then)
      body::uniform_params(up, scale, r, zp, c.qmin, c.qmax);
      done = body::fake_rm<body::ScaleMode::divide_fast, false>(x, y, mask, n, up, vs, false, c.rounding);
    } else {
      body::uniform_params(up, scale, inv_scale, zp, c.qmin, c.qmax);
      done = body::fake_rm<body::ScaleMode::divide, false>(x, y, mask, n, up, vs, div_inv, c.rounding);
    }
  }
  scalar::fake_quantize_uniform(x + done, y + done, mask ? mask + done : nullptr, n - done, scale, inv_scale, zp, c,
                                index_base + done);
}

/// Same contract as scalar::fake_quantize_vector.
QTZ_KTARGET inline void fake_quantize_vector(const float* x, float* y, std::uint8_t* mask, std::size_t n,
                                             const float* scale, const float* inv_scale, const std::int32_t* zp,
                                             const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  std::size_t done = 0;
  if (c.rounding != Rounding::stochastic && n >= ops::W) {
    const body::LaneParams up{};
    const body::VecSrc vs{scale, inv_scale, zp, c.qmin, c.qmax};
    const bool div_inv = c.dequant_op == DequantOp::divide_by_inverse;
    done = c.scale_op == ScaleOp::reciprocal
               ? body::fake_rm<body::ScaleMode::reciprocal, true>(x, y, mask, n, up, vs, div_inv, c.rounding)
               : body::fake_rm<body::ScaleMode::divide, true>(x, y, mask, n, up, vs, div_inv, c.rounding);
  }
  scalar::fake_quantize_vector(x + done, y + done, mask ? mask + done : nullptr, n - done, scale + done,
                               inv_scale + done, zp + done, c, index_base + done);
}

/// Same contract as scalar::minmax (NaN/inf skipped and counted, zero returned as +0).
QTZ_KTARGET inline MinMaxResult minmax_checked(const float* x, std::size_t n) noexcept {
  constexpr std::size_t W2 = 2 * ops::W;
  if (n < W2) return scalar::minmax(x, n);
  const float inf = std::numeric_limits<float>::infinity();
  const ops::F pinf = ops::set1f(inf), ninf = ops::set1f(-inf);
  ops::F lo0 = pinf, lo1 = pinf, hi0 = ninf, hi1 = ninf;
  std::uint64_t finite = 0;
  std::size_t i = 0;
  while (i + W2 <= n) {
    // int32 lane counters: at most 2^30 iterations per chunk.
    const std::size_t chunk = (n - i) / W2 < (std::size_t{1} << 30) ? (n - i) / W2 : (std::size_t{1} << 30);
    const std::size_t end = i + chunk * W2;
    ops::I c0 = ops::set1i(0), c1 = ops::set1i(0);
    for (; i < end; i += W2) {
      const ops::F a = ops::loadf(x + i), b = ops::loadf(x + i + ops::W);
      const ops::M fa = ops::cmp_lt(ops::absf(a), pinf), fb = ops::cmp_lt(ops::absf(b), pinf);  // NaN: false
      lo0 = ops::min(lo0, ops::select(fa, a, pinf));
      hi0 = ops::max(hi0, ops::select(fa, a, ninf));
      lo1 = ops::min(lo1, ops::select(fb, b, pinf));
      hi1 = ops::max(hi1, ops::select(fb, b, ninf));
      c0 = ops::count_add(c0, fa);
      c1 = ops::count_add(c1, fb);
    }
    finite += ops::hsum_u(c0) + ops::hsum_u(c1);
  }
  const MinMaxResult t = scalar::minmax(x + i, n - i);
  float lo = ops::hmin(ops::min(lo0, lo1)), hi = ops::hmax(ops::max(hi0, hi1));
  lo = t.min < lo ? t.min : lo;
  hi = t.max > hi ? t.max : hi;
  if (lo == 0.0f) lo = 0.0f;  // canonical +0, as the spec
  if (hi == 0.0f) hi = 0.0f;
  finite += t.finite;
  return MinMaxResult{lo, hi, finite, static_cast<std::uint64_t>(n) - finite};
}

/// Same contract as scalar::absmax.
QTZ_KTARGET inline scalar::AbsMaxResult absmax_checked(const float* x, std::size_t n) noexcept {
  constexpr std::size_t W2 = 2 * ops::W;
  if (n < W2) return scalar::absmax(x, n);
  const ops::F pinf = ops::set1f(std::numeric_limits<float>::infinity());
  ops::F m0 = ops::set1f(0.0f), m1 = m0;
  std::uint64_t finite = 0;
  std::size_t i = 0;
  while (i + W2 <= n) {
    const std::size_t chunk = (n - i) / W2 < (std::size_t{1} << 30) ? (n - i) / W2 : (std::size_t{1} << 30);
    const std::size_t end = i + chunk * W2;
    ops::I c0 = ops::set1i(0), c1 = ops::set1i(0);
    for (; i < end; i += W2) {
      const ops::F a = ops::absf(ops::loadf(x + i)), b = ops::absf(ops::loadf(x + i + ops::W));
      const ops::M fa = ops::cmp_lt(a, pinf), fb = ops::cmp_lt(b, pinf);
      m0 = ops::max(m0, ops::zero_unless(fa, a));
      m1 = ops::max(m1, ops::zero_unless(fb, b));
      c0 = ops::count_add(c0, fa);
      c1 = ops::count_add(c1, fb);
    }
    finite += ops::hsum_u(c0) + ops::hsum_u(c1);
  }
  const scalar::AbsMaxResult t = scalar::absmax(x + i, n - i);
  float m = ops::hmax(ops::max(m0, m1));
  m = t.absmax > m ? t.absmax : m;
  return scalar::AbsMaxResult{m, finite + t.finite};
}

/// Elements per screened chunk of minmax/absmax: a chunk that holds a NaN or an infinity is redone by
/// the checked (counting) kernel, so a rare non-finite value costs at most one chunk twice.
constexpr std::size_t kReduceChunk = 8192;

/// Same contract as scalar::params_screen: W parameters per step (NaN fails every comparison).
QTZ_KTARGET inline bool params_screen(const float* S, const float* R, const std::int32_t* Z, std::size_t n,
                                      float r_min, std::int32_t qmin, std::int32_t qmax) noexcept {
  std::size_t k = 0;
  for (; k + ops::W <= n; k += ops::W) {
    const ops::I z = ops::loadi32(Z + k);
    if (!ops::params_in_range(ops::loadf(S + k), z, qmin, qmax, true, FLT_MIN, FLT_MAX) ||
        !ops::params_in_range(ops::loadf(R + k), z, qmin, qmax, true, r_min, FLT_MAX))
      return false;
  }
  return scalar::params_screen(S + k, R + k, Z + k, n - k, r_min, qmin, qmax);
}

/// Same contract as scalar::minmax. Fast chunks take plain min/max of the values and screen them
/// with ops::prod_acc (a sum of products of value pairs: finite while all values are finite and
/// nothing overflows); a non-finite screen (a NaN or infinity, or merely an overflow of the screen
/// for values near 1e19 and above) sends the chunk to minmax_checked, which skips and counts as the
/// spec. The screen can only send too many chunks to the checked kernel, never too few.
QTZ_KTARGET inline MinMaxResult minmax(const float* x, std::size_t n) noexcept {
  constexpr std::size_t W4 = 4 * ops::W;
  const float inf = std::numeric_limits<float>::infinity();
  float lo = inf, hi = -inf;
  std::uint64_t finite = 0;
  std::size_t i = 0;
  while (n - i >= W4) {
    const std::size_t m = (n - i < kReduceChunk ? n - i : kReduceChunk) / W4 * W4;
    const ops::F pinf = ops::set1f(inf), ninf = ops::set1f(-inf), zero = ops::set1f(0.0f);
    ops::F l0 = pinf, l1 = pinf, l2 = pinf, l3 = pinf, h0 = ninf, h1 = ninf, h2 = ninf, h3 = ninf;
    ops::F a0 = zero, a1 = zero;
    for (std::size_t j = i; j < i + m; j += W4) {
      const ops::F x0 = ops::loadf(x + j), x1 = ops::loadf(x + j + ops::W), x2 = ops::loadf(x + j + 2 * ops::W),
                   x3 = ops::loadf(x + j + 3 * ops::W);
      l0 = ops::min(l0, x0);
      l1 = ops::min(l1, x1);
      l2 = ops::min(l2, x2);
      l3 = ops::min(l3, x3);
      h0 = ops::max(h0, x0);
      h1 = ops::max(h1, x1);
      h2 = ops::max(h2, x2);
      h3 = ops::max(h3, x3);
      a0 = ops::prod_acc(a0, x0, x1);
      a1 = ops::prod_acc(a1, x2, x3);
    }
    if (ops::any_nan(ops::sub(ops::add(a0, a1), ops::add(a0, a1)))) {  // inf - inf or NaN: not all finite
      const MinMaxResult t = minmax_checked(x + i, m);
      lo = t.min < lo ? t.min : lo;
      hi = t.max > hi ? t.max : hi;
      finite += t.finite;
    } else {
      const float cl = ops::hmin(ops::min(ops::min(l0, l1), ops::min(l2, l3)));
      const float ch = ops::hmax(ops::max(ops::max(h0, h1), ops::max(h2, h3)));
      lo = cl < lo ? cl : lo;
      hi = ch > hi ? ch : hi;
      finite += m;
    }
    i += m;
  }
  const MinMaxResult t = scalar::minmax(x + i, n - i);
  lo = t.min < lo ? t.min : lo;
  hi = t.max > hi ? t.max : hi;
  if (lo == 0.0f) lo = 0.0f;  // canonical +0, as the spec
  if (hi == 0.0f) hi = 0.0f;
  finite += t.finite;
  return MinMaxResult{lo, hi, finite, static_cast<std::uint64_t>(n) - finite};
}

/// Same contract as scalar::absmax (screened chunks as minmax).
QTZ_KTARGET inline scalar::AbsMaxResult absmax(const float* x, std::size_t n) noexcept {
  constexpr std::size_t W4 = 4 * ops::W;
  float mx = 0.0f;
  std::uint64_t finite = 0;
  std::size_t i = 0;
  while (n - i >= W4) {
    const std::size_t m = (n - i < kReduceChunk ? n - i : kReduceChunk) / W4 * W4;
    const ops::F zero = ops::set1f(0.0f);
    ops::F m0 = zero, m1 = zero, m2 = zero, m3 = zero, a0 = zero, a1 = zero;
    for (std::size_t j = i; j < i + m; j += W4) {
      const ops::F x0 = ops::loadf(x + j), x1 = ops::loadf(x + j + ops::W), x2 = ops::loadf(x + j + 2 * ops::W),
                   x3 = ops::loadf(x + j + 3 * ops::W);
      m0 = ops::max(m0, ops::absf(x0));
      m1 = ops::max(m1, ops::absf(x1));
      m2 = ops::max(m2, ops::absf(x2));
      m3 = ops::max(m3, ops::absf(x3));
      a0 = ops::prod_acc(a0, x0, x1);
      a1 = ops::prod_acc(a1, x2, x3);
    }
    if (ops::any_nan(ops::sub(ops::add(a0, a1), ops::add(a0, a1)))) {
      const scalar::AbsMaxResult t = absmax_checked(x + i, m);
      mx = t.absmax > mx ? t.absmax : mx;
      finite += t.finite;
    } else {
      const float c = ops::hmax(ops::max(ops::max(m0, m1), ops::max(m2, m3)));
      mx = c > mx ? c : mx;
      finite += m;
    }
    i += m;
  }
  const scalar::AbsMaxResult t = scalar::absmax(x + i, n - i);
  mx = t.absmax > mx ? t.absmax : mx;
  return scalar::AbsMaxResult{mx, finite + t.finite};
}

/// Same contract as scalar::histogram_abs (bins <= 2^24 vectorised, else the spec).
QTZ_KTARGET inline void histogram_abs(const float* x, std::size_t n, float inv_width, std::uint64_t* counts,
                                      std::size_t bins) noexcept {
  std::size_t i = 0;
  if (bins >= 1 && bins <= (std::size_t{1} << 24)) {
    const std::size_t last = bins - 1;
    const ops::F pinf = ops::set1f(std::numeric_limits<float>::infinity());
    const ops::F lastf = ops::set1f(static_cast<float>(last)), iw = ops::set1f(inv_width);
    std::int32_t idx[ops::W];
    for (; i + ops::W <= n; i += ops::W) {
      const ops::F a = ops::absf(ops::loadf(x + i));
      const std::uint32_t fin = ops::bits(ops::cmp_lt(a, pinf));
      ops::storei32(idx, ops::cvtt(ops::min(ops::mul(a, iw), lastf)));  // min: t >= last (or inf) -> last
      for (std::size_t k = 0; k < ops::W; ++k)
        if ((fin >> k) & 1u) counts[static_cast<std::size_t>(idx[k])] += 1;
    }
  }
  scalar::histogram_abs(x + i, n - i, inv_width, counts, bins);
}

/// Same contract as scalar::histogram_signed.
QTZ_KTARGET inline void histogram_signed(const float* x, std::size_t n, float inv_width, std::uint64_t* pos,
                                         std::uint64_t* neg, std::size_t bins) noexcept {
  std::size_t i = 0;
  if (bins >= 1 && bins <= (std::size_t{1} << 24)) {
    const std::size_t last = bins - 1;
    const ops::F pinf = ops::set1f(std::numeric_limits<float>::infinity());
    const ops::F lastf = ops::set1f(static_cast<float>(last)), iw = ops::set1f(inv_width);
    std::int32_t idx[ops::W];
    for (; i + ops::W <= n; i += ops::W) {
      const ops::F v = ops::loadf(x + i);
      const ops::F a = ops::absf(v);
      const std::uint32_t fin = ops::bits(ops::cmp_lt(a, pinf));
      const std::uint32_t ng = ops::bits(ops::cmp_lt(v, ops::set1f(0.0f)));  // -0 counts as >= 0, as the spec
      ops::storei32(idx, ops::cvtt(ops::min(ops::mul(a, iw), lastf)));
      for (std::size_t k = 0; k < ops::W; ++k) {
        if (!((fin >> k) & 1u)) continue;
        std::uint64_t* h = ((ng >> k) & 1u) ? neg : pos;
        h[static_cast<std::size_t>(idx[k])] += 1;
      }
    }
  }
  scalar::histogram_signed(x + i, n - i, inv_width, pos, neg, bins);
}
