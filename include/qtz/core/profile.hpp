// Parameter rules: from a calibrated range [lo, hi] to (S, R, Z), for qtz's own rule (§2 of
// docs/quantization.md, eqs. (7)-(10)) and the onnx, pytorch and tensorrt profiles (§3, eqs. (13)-(16)).
#pragma once

#include "qtz/config.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "qtz/core/params.hpp"

namespace qtz {

/// The integer ranges and operations a profile uses for one format and scheme.
struct ProfileRules {
  std::int32_t param_qmin, param_qmax;  ///< range the parameter rule divides by
  std::int32_t qmin, qmax;              ///< quantize saturation
  std::int32_t fake_qmin, fake_qmax;    ///< fake-quantize clamp
  ScaleOp scale_op;                     ///< the profile's default scale operation
  DequantOp dequant_op;
};

namespace detail {
[[noreturn]] inline void reject_combination(const QuantSpec& s, const char* why) {
  throw std::invalid_argument(std::string("qtz: profile ") + to_string(s.compat) + " does not define scheme " +
                              to_string(s.scheme) + " with format " + s.format.name() + ": " + why);
}

/// Round half to even of a double, exact and independent of the rounding mode (|v| < 2^52).
inline double round_half_even_double(double v) noexcept {
  const double f = std::floor(v);
  const double d = v - f;
  if (d > 0.5) return f + 1.0;
  if (d < 0.5) return f;
  return std::fmod(f, 2.0) == 0.0 ? f : f + 1.0;
}
inline std::int32_t clamp_i32(double v, std::int32_t lo, std::int32_t hi) noexcept {
  if (v < lo) return lo;
  if (v > hi) return hi;
  return static_cast<std::int32_t>(v);
}
}  // namespace detail

/// The rules of `spec.compat` for `spec.format` and `spec.scheme`; throws std::invalid_argument for a
/// combination the profile does not define (docs/quantization.md, table 3).
inline ProfileRules profile_rules(const QuantSpec& spec) {
  const Format f = Format::make(spec.format.bits, spec.format.is_signed);
  const std::int32_t fmin = f.qmin(), fmax = f.qmax();
  const bool sym = spec.scheme != Scheme::asymmetric;
  const bool restricted = spec.scheme == Scheme::symmetric_restricted;
  ProfileRules r{fmin, fmax, fmin, fmax, fmin, fmax, ScaleOp::divide, DequantOp::multiply};
  switch (spec.compat) {
    case Compat::qtz:
      if (restricted) {  // eq. (8): the most negative code (signed) or code 0 (unsigned) is unused
        const std::int32_t lo = f.is_signed ? fmin + 1 : 1;
        r = ProfileRules{lo, fmax, lo, fmax, lo, fmax, ScaleOp::divide, DequantOp::multiply};
      }
      break;
    case Compat::onnx:
      if (f.bits != 8 && f.bits != 16) detail::reject_combination(spec, "ONNX Runtime's tool quantizes to 8 or 16 bits");
      if (sym && f.is_signed && !restricted)
        detail::reject_combination(spec, "signed symmetric is symmetric-restricted (+-127 / +-32767) in ONNX Runtime");
      if (sym && !f.is_signed && restricted)
        detail::reject_combination(spec, "unsigned symmetric is 'symmetric' with Z = 2^(b-1) in ONNX Runtime");
      if (restricted) {  // parameters on +-(2^(b-1)-1); QuantizeLinear saturates to the full type
        r.param_qmin = fmin + 1;
      }
      break;
    case Compat::pytorch:
      if (sym && !f.is_signed && restricted)
        detail::reject_combination(spec, "PyTorch's unsigned symmetric observers use the full range");
      r.scale_op = ScaleOp::reciprocal;
      if (restricted) {  // quant_min = -(2^(b-1)-1), as weight_observer_range_neg_127_to_127
        r.param_qmin = r.qmin = r.fake_qmin = fmin + 1;
      }
      break;
    case Compat::tensorrt: {
      if (!sym) detail::reject_combination(spec, "TensorRT quantization is symmetric only");
      if (!f.is_signed && restricted)
        detail::reject_combination(spec, "TensorRT's unsigned quantization uses [0, 2^b - 1] (scheme 'symmetric')");
      const std::int32_t mb = fmax;  // max_bound = 2^(b-1+unsigned) - 1
      r.scale_op = ScaleOp::reciprocal;
      r.dequant_op = DequantOp::divide_by_inverse;
      r.param_qmin = -mb;
      r.param_qmax = mb;
      if (f.is_signed) {
        r.qmin = restricted ? -mb : -mb - 1;  // real quantization is narrow; narrow_range=False otherwise
        r.fake_qmin = -mb - 1;                // fake quantization clamps to [-max_bound-1, max_bound]
      }
      break;
    }
  }
  if (spec.scale_op) r.scale_op = *spec.scale_op;
  return r;
}

/// One set of parameters for one range.
struct ChannelParams {
  float scale;
  float inv_scale;
  std::int32_t zero_point;
  float range_min, range_max;
};

namespace detail {
inline void check_range(float lo, float hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) {
    throw std::domain_error("qtz: range lo = " + float_str(lo) + ", hi = " + float_str(hi) +
                            " is invalid; allowed: finite bounds with lo <= hi");
  }
}
[[noreturn]] inline void overflow(float lo, float hi) {
  throw std::domain_error("qtz: range lo = " + float_str(lo) + ", hi = " + float_str(hi) +
                          " overflows float32 in this profile's arithmetic; allowed: hi - lo <= FLT_MAX");
}
inline std::int32_t symmetric_zero_point(const Format& f) noexcept {
  return f.is_signed ? 0 : (std::int32_t{1} << (f.bits - 1));
}

// eqs. (7)-(10): qtz's own rule. S in double, rounded once; Z from the stored float S.
inline ChannelParams choose_qtz(float lo, float hi, const QuantSpec& s, const ProfileRules& r) {
  const double a = std::min(static_cast<double>(lo), 0.0), b = std::max(static_cast<double>(hi), 0.0);
  const double levels = std::ldexp(1.0, s.format.bits) - 1.0;  // 2^b - 1
  const double m = std::max(-a, b);
  double sd = 0;
  switch (s.scheme) {
    case Scheme::symmetric_full: sd = 2.0 * m / levels; break;                                      // (7)
    case Scheme::symmetric_restricted: sd = m / (std::ldexp(1.0, s.format.bits - 1) - 1.0); break;  // (8)
    case Scheme::asymmetric: sd = (b - a) / levels; break;                                          // (9)
  }
  auto S = static_cast<float>(sd);
  if (!(S >= FLT_MIN)) S = 1.0f;  // (10): degenerate range
  std::int32_t z = symmetric_zero_point(s.format);
  if (s.scheme == Scheme::asymmetric) {
    z = clamp_i32(r.qmin - round_half_even_double(a / static_cast<double>(S)), r.qmin, r.qmax);  // (9)
  }
  const bool sym = s.scheme != Scheme::asymmetric;
  return ChannelParams{S, 1.0f / S, z, sym ? static_cast<float>(-m) : static_cast<float>(a),
                       sym ? static_cast<float>(m) : static_cast<float>(b)};
}

// eq. (13): ONNX Runtime compute_scale_zp.
inline ChannelParams choose_onnx(float lo, float hi, const QuantSpec& s, const ProfileRules& r) {
  float rmin = std::min(lo, 0.0f), rmax = std::max(hi, 0.0f);
  if (s.scheme != Scheme::asymmetric) {
    const float absmax = std::max(std::fabs(rmin), std::fabs(rmax));
    rmin = -absmax;
    rmax = absmax;
  }
  const float width = rmax - rmin;  // float32, as numpy does
  if (!std::isfinite(width)) overflow(lo, hi);
  const double s64 = static_cast<double>(width) / static_cast<double>(r.param_qmax - r.param_qmin);
  if (s64 < static_cast<double>(FLT_MIN)) return ChannelParams{1.0f, 1.0f, 0, rmin, rmax};
  double z = 0;
  if (s.scheme != Scheme::asymmetric) {
    z = round_half_even_double((r.param_qmin + r.param_qmax) / 2.0);
  } else {
    z = round_half_even_double(static_cast<double>(r.param_qmin) - static_cast<double>(rmin) / s64);
  }
  const auto S = static_cast<float>(s64);
  return ChannelParams{S, 1.0f / S, static_cast<std::int32_t>(z), rmin, rmax};
}

// eq. (14): PyTorch observer _calculate_qparams, float32 arithmetic, eps = 2^-23 floor on every scale.
inline ChannelParams choose_pytorch(float lo, float hi, const QuantSpec& s, const ProfileRules& r) {
  const float eps = 1.1920928955078125e-07f;
  const float min_neg = std::min(lo, 0.0f), max_pos = std::max(hi, 0.0f);
  if (s.scheme != Scheme::asymmetric) {
    const float amax = std::max(-min_neg, max_pos);
    const auto half_levels = static_cast<float>((r.param_qmax - r.param_qmin) / 2.0);  // exact: k or k + 0.5
    const float S = std::max(amax / half_levels, eps);
    std::int32_t z = 0;
    if (!s.format.is_signed) z = s.format.bits == 8 ? 128 : (r.param_qmin + r.param_qmax) / 2;
    return ChannelParams{S, 1.0f / S, z, -amax, amax};
  }
  const float width = max_pos - min_neg;
  if (!std::isfinite(width)) overflow(lo, hi);
  const float S = std::max(width / static_cast<float>(r.param_qmax - r.param_qmin), eps);
  const float q = min_neg / S;  // float32 division, then torch.round (half to even)
  const std::int32_t z = clamp_i32(r.param_qmin - round_half_even_double(static_cast<double>(q)), r.param_qmin,
                                   r.param_qmax);
  return ChannelParams{S, 1.0f / S, z, min_neg, max_pos};
}

// eq. (15): pytorch-quantization / TensorRT: multiplier R = fl(max_bound / amax), exported S = fl(amax / max_bound).
inline ChannelParams choose_tensorrt(float lo, float hi, const QuantSpec& s, const ProfileRules& r) {
  if (!s.format.is_signed && lo < 0.0f) {
    throw std::domain_error("qtz: range lo = " + float_str(lo) +
                            " is negative, which TensorRT's unsigned quantization rejects; allowed: lo >= 0");
  }
  const float amax = std::max(-std::min(lo, 0.0f), std::max(hi, 0.0f));
  const auto mb = static_cast<float>(r.param_qmax);
  const float lo_out = s.format.is_signed ? -amax : 0.0f;
  if (amax <= 5.9604644775390625e-08f) return ChannelParams{1.0f, 0.0f, 0, lo_out, amax};  // amax <= 2^-24
  return ChannelParams{amax / mb, mb / amax, 0, lo_out, amax};
}
}  // namespace detail

/// Parameters for one range [lo, hi] under `spec` (eqs. (7)-(15)). Throws std::domain_error for a
/// non-finite bound or lo > hi, std::invalid_argument for a combination the profile does not define.
inline ChannelParams choose_params(float lo, float hi, const QuantSpec& spec) {
  detail::check_range(lo, hi);
  const ProfileRules r = profile_rules(spec);
  switch (spec.compat) {
    case Compat::qtz: return detail::choose_qtz(lo, hi, spec, r);
    case Compat::onnx: return detail::choose_onnx(lo, hi, spec, r);
    case Compat::pytorch: return detail::choose_pytorch(lo, hi, spec, r);
    case Compat::tensorrt: return detail::choose_tensorrt(lo, hi, spec, r);
  }
  return detail::choose_qtz(lo, hi, spec, r);
}

namespace detail {
/// Everything of QuantParams but the per-slot vectors.
inline QuantParams params_skeleton(const QuantSpec& spec, const Granularity& g, const Shape& shape) {
  const ProfileRules r = profile_rules(spec);
  QuantParams p;
  p.format = spec.format;
  p.scheme = spec.scheme;
  p.compat = spec.compat;
  p.scale_op = r.scale_op;
  p.dequant_op = r.dequant_op;
  p.rounding = spec.rounding;
  p.seed = spec.seed;
  p.qmin = r.qmin;
  p.qmax = r.qmax;
  p.fake_qmin = r.fake_qmin;
  p.fake_qmax = r.fake_qmax;
  p.granularity = g;
  if (g.kind != Granularity::Kind::tensor) p.granularity.axis = normalize_axis(g.axis, shape.rank());
  p.scale_shape = scale_shape(shape, g);
  return p;
}
}  // namespace detail

/// Builds full QuantParams from per-slot ranges (one per element of the scale tensor, in its
/// logical row-major order) for a tensor of `shape`.
inline QuantParams make_params(const std::vector<float>& lo, const std::vector<float>& hi, const QuantSpec& spec,
                               const Granularity& g, const Shape& shape) {
  QuantParams p = detail::params_skeleton(spec, g, shape);
  const std::size_t n = element_count(p.scale_shape);
  if (lo.size() != n || hi.size() != n) {
    throw std::invalid_argument("qtz: got " + std::to_string(lo.size()) + " ranges; the scale shape needs " +
                                std::to_string(n));
  }
  for (std::size_t i = 0; i < n; ++i) {
    const ChannelParams c = choose_params(lo[i], hi[i], spec);
    p.scale.push_back(c.scale);
    p.inv_scale.push_back(c.inv_scale);
    p.zero_point.push_back(c.zero_point);
    p.range_min.push_back(c.range_min);
    p.range_max.push_back(c.range_max);
  }
  return p;
}

/// Builds QuantParams from scales and zero points the caller already has (e.g. read from a model),
/// with R = fl(1 / S). Validated against `shape`.
inline QuantParams params_from_scales(const std::vector<float>& scale, const std::vector<std::int32_t>& zero_point,
                                      const QuantSpec& spec, const Granularity& g, const Shape& shape) {
  QuantParams p = detail::params_skeleton(spec, g, shape);
  p.scale = scale;
  p.zero_point = zero_point;
  for (float s : scale) p.inv_scale.push_back(s > 0.0f ? 1.0f / s : 0.0f);  // validate() rejects bad S below
  if (p.dequant_op == DequantOp::divide_by_inverse) p.dequant_op = DequantOp::multiply;  // no TensorRT multiplier
  p.validate_for(shape);
  return p;
}

}  // namespace qtz
