// An element-wise reference for quantize / dequantize / fake-quantize over a tensor of any rank,
// layout and granularity, written independently of quant/ops.hpp's [outer, C, inner] segment walk:
// it visits every LOGICAL multi-index in row-major order, computes the element's memory offset from
// the layout's strides and the index of its parameter in the logical row-major ONNX scale tensor,
// and calls the per-element spec (kernels/scalar/quantize.hpp) with the logical row-major element
// index as the stochastic index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <qtz/core/params.hpp>
#include <qtz/core/shape.hpp>
#include <qtz/kernels/scalar/quantize.hpp>

namespace qtz_test {

using Index = std::vector<std::int64_t>;

/// Calls f(idx, row_major_linear_index) for every logical multi-index of dims, in row-major order.
template <class F>
void for_each_index(const Index& dims, F&& f) {
  std::size_t n = 1;
  for (auto d : dims) n *= static_cast<std::size_t>(d);
  if (n == 0) return;
  Index idx(dims.size(), 0);
  for (std::size_t lin = 0; lin < n; ++lin) {
    f(static_cast<const Index&>(idx), lin);
    for (std::size_t d = dims.size(); d-- > 0;) {  // odometer, last index fastest
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}

/// Memory offset of a logical index in a dense tensor of `dims` stored in `layout`.
inline std::size_t memory_offset(const Index& idx, const Index& dims, qtz::Layout layout) {
  std::size_t off = 0, stride = 1;
  if (layout == qtz::Layout::row_major) {
    for (std::size_t d = dims.size(); d-- > 0;) {
      off += static_cast<std::size_t>(idx[d]) * stride;
      stride *= static_cast<std::size_t>(dims[d]);
    }
  } else {
    for (std::size_t d = 0; d < dims.size(); ++d) {
      off += static_cast<std::size_t>(idx[d]) * stride;
      stride *= static_cast<std::size_t>(dims[d]);
    }
  }
  return off;
}

/// Index of the parameter of element `idx` in the logical row-major scale tensor: 0 per tensor,
/// idx[axis] per channel, the row-major index in dims with dims[axis] -> ceil(D / G) and
/// idx[axis] -> idx[axis] / G per group.
inline std::size_t param_slot(const Index& idx, const Index& dims, const qtz::Granularity& g) {
  using K = qtz::Granularity::Kind;
  if (g.kind == K::tensor) return 0;
  const int r = static_cast<int>(dims.size());
  const int axis = g.axis < 0 ? g.axis + r : g.axis;
  const auto a = static_cast<std::size_t>(axis);
  if (g.kind == K::channel) return static_cast<std::size_t>(idx[a]);
  const std::int64_t G = g.block_size;
  std::size_t slot = 0;
  for (std::size_t d = 0; d < dims.size(); ++d) {
    const std::int64_t extent = d == a ? (dims[d] + G - 1) / G : dims[d];
    const std::int64_t i = d == a ? idx[d] / G : idx[d];
    slot = slot * static_cast<std::size_t>(extent) + static_cast<std::size_t>(i);
  }
  return slot;
}

/// Number of parameter slots (elements of the scale tensor) for dims and g.
inline std::size_t slot_count(const Index& dims, const qtz::Granularity& g) {
  using K = qtz::Granularity::Kind;
  if (g.kind == K::tensor) return 1;
  const int r = static_cast<int>(dims.size());
  const auto a = static_cast<std::size_t>(g.axis < 0 ? g.axis + r : g.axis);
  if (g.kind == K::channel) return static_cast<std::size_t>(dims[a]);
  std::size_t n = 1;
  for (std::size_t d = 0; d < dims.size(); ++d)
    n *= static_cast<std::size_t>(d == a ? (dims[d] + g.block_size - 1) / g.block_size : dims[d]);
  return n;
}

inline qtz::kernels::KernelConfig ref_config(const qtz::QuantParams& p, bool fake) {
  return qtz::kernels::KernelConfig{fake ? p.fake_qmin : p.qmin, fake ? p.fake_qmax : p.qmax, p.scale_op,
                                    p.dequant_op, p.rounding, p.seed};
}

/// Codes of x (dims, layout) under p, in x's memory order.
template <class Q>
std::vector<Q> ref_quantize(const float* x, const Index& dims, qtz::Layout layout, const qtz::QuantParams& p) {
  std::size_t n = 1;
  for (auto d : dims) n *= static_cast<std::size_t>(d);
  std::vector<Q> q(n);
  const auto c = ref_config(p, false);
  for_each_index(dims, [&](const Index& idx, std::size_t lin) {
    const std::size_t m = memory_offset(idx, dims, layout), s = param_slot(idx, dims, p.granularity);
    q[m] = static_cast<Q>(
        qtz::kernels::scalar::quantize_value(x[m], p.scale[s], p.inv_scale[s], p.zero_point[s], c, lin));
  });
  return q;
}

/// Real values of codes q (dims, layout) under p, in q's memory order.
template <class Q>
std::vector<float> ref_dequantize(const Q* q, const Index& dims, qtz::Layout layout, const qtz::QuantParams& p) {
  std::size_t n = 1;
  for (auto d : dims) n *= static_cast<std::size_t>(d);
  std::vector<float> x(n);
  for_each_index(dims, [&](const Index& idx, std::size_t) {
    const std::size_t m = memory_offset(idx, dims, layout), s = param_slot(idx, dims, p.granularity);
    x[m] = qtz::kernels::scalar::dequantize_value(q[m], p.scale[s], p.inv_scale[s], p.zero_point[s], p.dequant_op);
  });
  return x;
}

/// Fake-quantized values and straight-through mask of x (dims, layout) under p, in memory order.
inline void ref_fake_quantize(const float* x, const Index& dims, qtz::Layout layout, const qtz::QuantParams& p,
                              std::vector<float>& y, std::vector<std::uint8_t>& mask) {
  std::size_t n = 1;
  for (auto d : dims) n *= static_cast<std::size_t>(d);
  y.assign(n, 0.0f);
  mask.assign(n, 0);
  const auto c = ref_config(p, true);
  for_each_index(dims, [&](const Index& idx, std::size_t lin) {
    const std::size_t m = memory_offset(idx, dims, layout), s = param_slot(idx, dims, p.granularity);
    const float S = p.scale[s], R = p.inv_scale[s];
    const std::int32_t Z = p.zero_point[s];
    mask[m] = qtz::kernels::scalar::fake_quantize_mask(x[m], S, R, Z, c, lin);
    y[m] = qtz::kernels::scalar::dequantize_value(qtz::kernels::scalar::quantize_value(x[m], S, R, Z, c, lin), S, R,
                                                  Z, c.dequant_op);
  });
}

/// Reorders a buffer stored in `layout` into logical row-major order.
template <class T>
std::vector<T> to_row_major(const T* data, const Index& dims, qtz::Layout layout) {
  std::size_t n = 1;
  for (auto d : dims) n *= static_cast<std::size_t>(d);
  std::vector<T> out(n);
  for_each_index(dims, [&](const Index& idx, std::size_t lin) { out[lin] = data[memory_offset(idx, dims, layout)]; });
  return out;
}

/// Stores a logical row-major buffer in `layout`.
template <class T>
std::vector<T> from_row_major(const std::vector<T>& rm, const Index& dims, qtz::Layout layout) {
  std::vector<T> out(rm.size());
  for_each_index(dims, [&](const Index& idx, std::size_t lin) { out[memory_offset(idx, dims, layout)] = rm[lin]; });
  return out;
}

/// Bitwise equality of two float vectors (distinguishes -0 from +0; NaN payloads compared as bits).
inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::uint32_t u = 0, v = 0;
    static_assert(sizeof(float) == 4, "float32");
    std::memcpy(&u, &a[i], 4);
    std::memcpy(&v, &b[i], 4);
    if (u != v) return false;
  }
  return true;
}

}  // namespace qtz_test
