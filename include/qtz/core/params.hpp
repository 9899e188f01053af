// QuantParams: everything needed to reproduce a quantize/dequantize result bit for bit, and its
// validation (DESIGN §8, docs/quantization.md §2 and §6).
#pragma once

#include "qtz/config.hpp"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "qtz/core/format.hpp"
#include "qtz/core/rounding.hpp"
#include "qtz/core/scheme.hpp"
#include "qtz/core/shape.hpp"

namespace qtz {

/// What the user chooses before any data is seen.
struct QuantSpec {
  Format format{8, true};
  Scheme scheme = Scheme::asymmetric;
  Compat compat = Compat::qtz;
  std::optional<ScaleOp> scale_op;  ///< empty: the profile's (divide for qtz/onnx, reciprocal otherwise)
  Rounding rounding = Rounding::half_even;
  std::uint64_t seed = 0;  ///< stochastic rounding only
};

namespace detail {
inline std::string float_str(float v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  return os.str();
}
/// The shortest decimal (at most 17 significant digits) that reads back as exactly `v`, so that a
/// rejected value never prints as an allowed one (100.0000001 does not become "100").
inline std::string value_str(double v) {
  std::string s;
  for (int digits = 6; digits <= 17; ++digits) {
    std::ostringstream os;
    os.precision(digits);
    os << v;
    s = os.str();
    std::istringstream is(s);
    double back = 0.0;
    if (!(is >> back) || back == v || v != v) break;  // NaN and inf print once
  }
  return s;
}
}  // namespace detail

namespace detail {
/// The per-parameter screen of QuantParams::validate: true when every S[k] lies in [FLT_MIN,
/// FLT_MAX], every R[k] in [r_min, FLT_MAX] and every Z[k] in [qmin, qmax] (a comparison with NaN is
/// false, so NaN fails). One branch-free pass; the dispatched kernels::params_screen (SIMD, the
/// same answer, tests/dispatch/dispatch_test.cpp) is what qtz::quantize & co. use.
inline bool params_screen(const float* S, const float* R, const std::int32_t* Z, std::size_t n, float r_min,
                          std::int32_t qmin, std::int32_t qmax) noexcept {
  unsigned ok = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const float s = S[i], r = R[i];
    const std::int32_t z = Z[i];
    ok &= static_cast<unsigned>(s >= FLT_MIN) & static_cast<unsigned>(s <= FLT_MAX) &
          static_cast<unsigned>(r >= r_min) & static_cast<unsigned>(r <= FLT_MAX) &
          static_cast<unsigned>(z >= qmin) & static_cast<unsigned>(z <= qmax);
  }
  return ok != 0;
}
}  // namespace detail

/// Quantization parameters of one tensor: per-element-group (S, R, Z) plus the evaluation rules.
/// Parameter vectors are in the logical row-major order of the ONNX scale tensor (`scale_shape`),
/// whatever the memory layout of the data.
struct QuantParams {
  Format format{8, true};
  Scheme scheme = Scheme::asymmetric;
  Compat compat = Compat::qtz;
  ScaleOp scale_op = ScaleOp::divide;
  DequantOp dequant_op = DequantOp::multiply;
  Rounding rounding = Rounding::half_even;
  std::uint64_t seed = 0;
  std::int32_t qmin = -128, qmax = 127;            ///< quantize saturates to [qmin, qmax]
  std::int32_t fake_qmin = -128, fake_qmax = 127;  ///< fake-quantize clamps to this range
  Granularity granularity{};                       ///< axis normalised (>= 0) unless per tensor
  std::vector<std::int64_t> scale_shape;           ///< [] per tensor, [C] per channel, ... per group
  std::vector<float> scale;                        ///< S > 0, normal, finite
  std::vector<float> inv_scale;                    ///< R, used by ScaleOp::reciprocal / DequantOp::divide_by_inverse
  std::vector<std::int32_t> zero_point;            ///< Z in [qmin, qmax]
  std::vector<float> range_min, range_max;         ///< the clipping range that gave S and Z (may be empty)

  std::size_t count() const noexcept { return scale.size(); }

  /// Internal consistency: throws std::invalid_argument / std::domain_error naming the field.
  void validate() const { validate_with(detail::params_screen); }

  /// validate() with the per-parameter screen done by `screen`, a function with the signature and
  /// the answer of detail::params_screen (quant/ops.hpp passes the dispatched SIMD one). When the
  /// screen fails, the parameters are walked again to name the first bad one.
  template <class Screen>
  void validate_with(Screen&& screen) const {
    (void)Format::make(format.bits, format.is_signed);
    const std::int32_t fmin = format.qmin(), fmax = format.qmax();
    auto check_range = [&](const char* name_lo, std::int32_t lo, std::int32_t hi) {
      if (lo < fmin || hi > fmax || lo >= hi) {
        throw std::invalid_argument(std::string("qtz: ") + name_lo + " = [" + std::to_string(lo) + ", " +
                                    std::to_string(hi) + "] is invalid for " + format.name() +
                                    "; allowed: a non-empty sub-range of [" + std::to_string(fmin) + ", " +
                                    std::to_string(fmax) + "]");
      }
    };
    check_range("[qmin, qmax]", qmin, qmax);
    check_range("[fake_qmin, fake_qmax]", fake_qmin, fake_qmax);
    const std::size_t n = element_count(scale_shape);
    if (granularity.kind == Granularity::Kind::tensor && !scale_shape.empty()) {
      throw std::invalid_argument("qtz: scale_shape has rank " + std::to_string(scale_shape.size()) +
                                  " for per-tensor parameters; allowed: [] (rank 0)");
    }
    if (granularity.kind == Granularity::Kind::group && granularity.block_size < 1) {
      throw std::invalid_argument("qtz: group size (block_size) = " + std::to_string(granularity.block_size) +
                                  " is invalid; allowed: >= 1");
    }
    if (scale.size() != n || inv_scale.size() != n || zero_point.size() != n) {
      throw std::invalid_argument("qtz: parameter count mismatch: scale has " + std::to_string(scale.size()) +
                                  ", inv_scale " + std::to_string(inv_scale.size()) + ", zero_point " +
                                  std::to_string(zero_point.size()) + " entries; the scale shape needs " +
                                  std::to_string(n));
    }
    if ((!range_min.empty() || !range_max.empty()) && (range_min.size() != n || range_max.size() != n)) {
      throw std::invalid_argument("qtz: range_min/range_max have " + std::to_string(range_min.size()) + "/" +
                                  std::to_string(range_max.size()) + " entries; allowed: 0 or " + std::to_string(n) +
                                  " each");
    }
    // Screen all parameters in one pass (qtz::quantize validates on every call, and per-group
    // parameters are N/G of them), then find the first bad one for the message.
    const float r_min = compat == Compat::tensorrt ? 0.0f : std::numeric_limits<float>::denorm_min();
    if (screen(scale.data(), inv_scale.data(), zero_point.data(), n, r_min, qmin, qmax)) return;
    for (std::size_t i = 0; i < n; ++i) {
      const float s = scale[i];
      if (!(std::isfinite(s) && s >= FLT_MIN)) {
        throw std::domain_error("qtz: scale[" + std::to_string(i) + "] = " + detail::float_str(s) +
                                " is invalid; allowed: a finite, positive, normal float (>= 1.17549435e-38)");
      }
      const float r = inv_scale[i];
      const bool r_ok = std::isfinite(r) && (r > 0.0f || (compat == Compat::tensorrt && r == 0.0f));
      if (!r_ok) {
        throw std::domain_error("qtz: inv_scale[" + std::to_string(i) + "] = " + detail::float_str(r) +
                                " is invalid; allowed: finite and > 0 (0 only in the tensorrt profile)");
      }
      const std::int32_t z = zero_point[i];
      if (z < qmin || z > qmax) {
        throw std::invalid_argument("qtz: zero_point[" + std::to_string(i) + "] = " + std::to_string(z) +
                                    " is outside the code range [" + std::to_string(qmin) + ", " +
                                    std::to_string(qmax) + "] of " + format.name());
      }
    }
  }

  /// Checks that these parameters fit a tensor of `shape` (scale shape and counts). Throws.
  void validate_for(const Shape& shape) const { validate_for_with(shape, detail::params_screen); }

  /// validate_for with the per-parameter screen done by `screen` (see validate_with).
  template <class Screen>
  void validate_for_with(const Shape& shape, Screen&& screen) const {
    validate_with(screen);
    const std::vector<std::int64_t> expect = qtz::scale_shape(shape, granularity);
    if (expect != scale_shape) {
      std::string e = "[", g = "[";
      for (std::size_t i = 0; i < expect.size(); ++i) e += (i ? ", " : "") + std::to_string(expect[i]);
      for (std::size_t i = 0; i < scale_shape.size(); ++i) g += (i ? ", " : "") + std::to_string(scale_shape[i]);
      throw std::invalid_argument("qtz: parameters with scale_shape " + g + "] do not match a tensor of shape " +
                                  shape.str() + " at this granularity; expected scale_shape " + e + "]");
    }
  }
};

}  // namespace qtz
