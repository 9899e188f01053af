// THE SPEC of quantize, dequantize and fake-quantize (docs/quantization.md eqs. (1)-(6)).
//
// Every other implementation must reproduce these functions byte for byte. They take pointers and
// sizes, never allocate, never throw. No expression has the shape a*b + c in float, so FMA
// contraction cannot change a result (§1 of docs/quantization.md).
#pragma once

#include "qtz/config.hpp"

#include <cstddef>
#include <cstdint>

#include "qtz/core/params.hpp"
#include "qtz/core/rounding.hpp"

namespace qtz::kernels {

/// The evaluation rules a kernel call needs besides the per-element (S, R, Z).
struct KernelConfig {
  std::int32_t qmin;  ///< saturation range (already the fake-quant range for fake_quantize)
  std::int32_t qmax;
  ScaleOp scale_op;
  DequantOp dequant_op;
  Rounding rounding;
  std::uint64_t seed;  ///< stochastic rounding
};

}  // namespace qtz::kernels

namespace qtz::kernels::scalar {

/// eq. (1): t = x / S or x * R.
inline float scale_step(float x, float scale, float inv_scale, ScaleOp op) noexcept {
  return op == ScaleOp::divide ? x / scale : x * inv_scale;
}

/// eqs. (2)-(5) for one element: NaN -> 0, clamp to [qmin - Z, qmax - Z] in float, round, add Z.
/// `index` is the logical row-major element index (stochastic rounding only).
inline std::int32_t quantize_value(float x, float scale, float inv_scale, std::int32_t zp, const KernelConfig& c,
                                   std::uint64_t index) noexcept {
  float t = scale_step(x, scale, inv_scale, c.scale_op);  // (1)
  if (t != t) t = 0.0f;                                   // (2)
  const auto lo = static_cast<float>(c.qmin - zp);        // exact: |qmin - Z| < 2^17
  const auto hi = static_cast<float>(c.qmax - zp);
  t = t < lo ? lo : (t > hi ? hi : t);                    // (3)
  return round_to_int(t, c.rounding, c.seed, index) + zp;  // (4), (5)
}

/// eq. (6): x = float(q - Z) * S, or float(q - Z) / R for DequantOp::divide_by_inverse (R = 0 gives 0).
inline float dequantize_value(std::int32_t q, float scale, float inv_scale, std::int32_t zp,
                              DequantOp op) noexcept {
  const auto v = static_cast<float>(q - zp);  // exact: |q - Z| < 2^17
  if (op == DequantOp::multiply) return v * scale;
  return inv_scale == 0.0f ? 0.0f : v / inv_scale;
}

/// Straight-through mask of eq. (17): 1 when qmin <= round(t) + Z <= qmax before the clamp, 0 for NaN.
inline std::uint8_t fake_quantize_mask(float x, float scale, float inv_scale, std::int32_t zp,
                                       const KernelConfig& c, std::uint64_t index) noexcept {
  const float t = scale_step(x, scale, inv_scale, c.scale_op);
  if (t != t) return 0;
  // Clamping to one code beyond each end first keeps the conversion in range and does not change
  // whether the rounded value lies inside [qmin - Z, qmax - Z] (rounding is monotonic).
  const auto lo = static_cast<float>(c.qmin - zp - 1);
  const auto hi = static_cast<float>(c.qmax - zp + 1);
  const std::int32_t r = round_to_int(t < lo ? lo : (t > hi ? hi : t), c.rounding, c.seed, index);
  return (r >= c.qmin - zp && r <= c.qmax - zp) ? 1 : 0;
}

/// Quantizes n elements that share one (S, R, Z). Logical indices are index_base + k.
template <class Q>
void quantize_uniform(const float* x, Q* q, std::size_t n, float scale, float inv_scale, std::int32_t zp,
                      const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  for (std::size_t k = 0; k < n; ++k) q[k] = static_cast<Q>(quantize_value(x[k], scale, inv_scale, zp, c, index_base + k));
}

/// Quantizes n elements, element k with (scale[k], inv_scale[k], zp[k]).
template <class Q>
void quantize_vector(const float* x, Q* q, std::size_t n, const float* scale, const float* inv_scale,
                     const std::int32_t* zp, const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  for (std::size_t k = 0; k < n; ++k)
    q[k] = static_cast<Q>(quantize_value(x[k], scale[k], inv_scale[k], zp[k], c, index_base + k));
}

/// Dequantizes n codes that share one (S, R, Z).
template <class Q>
void dequantize_uniform(const Q* q, float* x, std::size_t n, float scale, float inv_scale, std::int32_t zp,
                        DequantOp op) noexcept {
  for (std::size_t k = 0; k < n; ++k) x[k] = dequantize_value(q[k], scale, inv_scale, zp, op);
}

/// Dequantizes n codes, code k with (scale[k], inv_scale[k], zp[k]).
template <class Q>
void dequantize_vector(const Q* q, float* x, std::size_t n, const float* scale, const float* inv_scale,
                       const std::int32_t* zp, DequantOp op) noexcept {
  for (std::size_t k = 0; k < n; ++k) x[k] = dequantize_value(q[k], scale[k], inv_scale[k], zp[k], op);
}

/// Fake-quantizes n elements sharing one (S, R, Z): y = dequantize(quantize(x)) with c's range;
/// writes the straight-through mask when `mask` is not null.
inline void fake_quantize_uniform(const float* x, float* y, std::uint8_t* mask, std::size_t n, float scale,
                                  float inv_scale, std::int32_t zp, const KernelConfig& c,
                                  std::uint64_t index_base = 0) noexcept {
  for (std::size_t k = 0; k < n; ++k) {
    if (mask) mask[k] = fake_quantize_mask(x[k], scale, inv_scale, zp, c, index_base + k);
    y[k] = dequantize_value(quantize_value(x[k], scale, inv_scale, zp, c, index_base + k), scale, inv_scale, zp,
                            c.dequant_op);
  }
}

/// Fake-quantizes n elements, element k with (scale[k], inv_scale[k], zp[k]).
inline void fake_quantize_vector(const float* x, float* y, std::uint8_t* mask, std::size_t n, const float* scale,
                                 const float* inv_scale, const std::int32_t* zp, const KernelConfig& c,
                                 std::uint64_t index_base = 0) noexcept {
  for (std::size_t k = 0; k < n; ++k) {
    if (mask) mask[k] = fake_quantize_mask(x[k], scale[k], inv_scale[k], zp[k], c, index_base + k);
    y[k] = dequantize_value(quantize_value(x[k], scale[k], inv_scale[k], zp[k], c, index_base + k), scale[k],
                            inv_scale[k], zp[k], c.dequant_op);
  }
}

/// QuantParams' per-parameter screen (core/params.hpp, detail::params_screen), the spec of the
/// dispatched kernels::params_screen.
inline bool params_screen(const float* S, const float* R, const std::int32_t* Z, std::size_t n, float r_min,
                          std::int32_t qmin, std::int32_t qmax) noexcept {
  return qtz::detail::params_screen(S, R, Z, n, r_min, qmin, qmax);
}

}  // namespace qtz::kernels::scalar
