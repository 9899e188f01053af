// Quantize, dequantize and fake-quantize over raw buffers with a shape and a layout: the
// canonical [outer, C, inner] view (docs/quantization.md §5) turned into kernel calls.
//
// These functions validate their arguments (and throw std::invalid_argument / std::domain_error
// naming the argument), then call kernels that neither allocate nor throw. Per-group parameters of
// column-major data are reordered once into memory order (one small allocation of N / G entries).
// Kernel calls go through the dispatcher (dispatch/dispatch.hpp): the ISA is read once per call.
// Quantize per tensor, per channel and per group (blocked axis innermost) runs as whole-tensor
// kernels::quantize_runs calls; tensors of >= kParallelMinElements elements are split across
// qtz::num_threads() threads (qtz::set_num_threads, default 1) with byte-identical results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "qtz/core/params.hpp"
#include "qtz/core/shape.hpp"
#include "qtz/dispatch/dispatch.hpp"
#include "qtz/kernels/scalar/quantize.hpp"

namespace qtz {

/// A non-owning view of a contiguous buffer (std::span is C++20).
template <class T>
struct Span {
  T* data = nullptr;
  std::size_t size = 0;
  Span() = default;
  Span(T* d, std::size_t n) noexcept : data(d), size(n) {}
  template <class C, class = decltype(std::declval<C&>().data())>
  Span(C& c) noexcept : data(c.data()), size(c.size()) {}  // NOLINT: implicit from containers
};

namespace detail {

/// Parameter arrays in the memory order the segments below index.
struct MemoryParams {
  const float* scale;
  const float* inv_scale;
  const std::int32_t* zero_point;
  std::vector<float> scale_store, inv_store;  // filled only when a reorder was needed
  std::vector<std::int32_t> zp_store;
};

inline void memory_params(const QuantParams& p, Layout layout, MemoryParams& m) {
  if (p.granularity.kind == Granularity::Kind::group && layout == Layout::col_major) {
    m.scale_store = row_major_to_memory_order(p.scale, p.scale_shape, layout);
    m.inv_store = row_major_to_memory_order(p.inv_scale, p.scale_shape, layout);
    m.zp_store = row_major_to_memory_order(p.zero_point, p.scale_shape, layout);
    m.scale = m.scale_store.data();
    m.inv_scale = m.inv_store.data();
    m.zero_point = m.zp_store.data();
  } else {
    m.scale = p.scale.data();
    m.inv_scale = p.inv_scale.data();
    m.zero_point = p.zero_point.data();
  }
}

/// Calls f.uniform(offset, n, param_index) or f.vector(offset, n, first_param_index) for every
/// contiguous run of memory that shares one parameter or walks a parameter array (eq. (11)).
template <class F>
void for_each_segment(const CanonicalView& v, F& f) {
  const std::size_t C = v.channels, inner = v.inner;
  switch (v.kind) {
    case Granularity::Kind::tensor:
      f.uniform(0, C, 0);
      break;
    case Granularity::Kind::channel:
      for (std::size_t o = 0; o < v.outer; ++o) {
        if (inner == 1) {
          f.vector(o * C, C, 0);  // channel axis innermost in memory: the scales repeat along the run
        } else {
          for (std::size_t c = 0; c < C; ++c) f.uniform((o * C + c) * inner, inner, c);
        }
      }
      break;
    case Granularity::Kind::group:
      for (std::size_t o = 0; o < v.outer; ++o) {
        if (inner == 1) {  // blocked axis innermost: one parameter per run of G elements
          for (std::size_t b = 0; b < v.blocks; ++b) {
            const std::size_t start = b * v.block_size;
            const std::size_t len = start + v.block_size <= C ? v.block_size : C - start;
            f.uniform(o * C + start, len, o * v.blocks + b);
          }
        } else {  // blocked axis not innermost: a run of `inner` elements walks `inner` parameters
          for (std::size_t c = 0; c < C; ++c) f.vector((o * C + c) * inner, inner, (o * v.blocks + c / v.block_size) * inner);
        }
      }
      break;
  }
}

/// Quantize as a few kernels::quantize_runs calls (one per thread chunk) where the layout allows:
/// per tensor, per channel (axis outermost: runs of `inner`; innermost: run 1 cycling C parameters)
/// and per group with the blocked axis innermost. Chunks start on run boundaries and pass the
/// parameter phase and the element index, so the bytes do not depend on the thread count.
/// Returns false when the caller must walk the segments (per group with the blocked axis not
/// innermost).
template <class Seg>
bool quantize_in_runs(const CanonicalView& v, const Seg& f) {
  const std::size_t C = v.channels, inner = v.inner, N = v.outer * C * inner;
  const MemoryParams& m = f.m;
  auto runs = [&](std::size_t run, std::size_t period, std::size_t grain) {
    parallel_chunks(N, grain, [&](std::size_t b, std::size_t e) {
      const std::size_t phase = (b / run) % period;
      kernels::quantize_runs(f.isa, f.x + b, f.q + b, e - b, run, m.scale, m.inv_scale, m.zero_point, period, phase,
                             f.c, b);
    });
  };
  switch (v.kind) {
    case Granularity::Kind::tensor:
      parallel_chunks(C, 256, [&](std::size_t b, std::size_t e) {
        kernels::quantize_uniform(f.isa, f.x + b, f.q + b, e - b, m.scale[0], m.inv_scale[0], m.zero_point[0], f.c, b);
      });
      return true;
    case Granularity::Kind::channel:
      if (inner == 1) runs(1, C, 256);
      else runs(inner, C, inner);
      return true;
    case Granularity::Kind::group:
      if (inner != 1) return false;
      if (C % v.block_size == 0) {
        runs(v.block_size, v.outer * v.blocks, v.block_size * ((255 + v.block_size) / v.block_size));
      } else {  // rows of C: ceil(C / G) runs each, the last one shorter
        parallel_chunks(v.outer, 1, [&](std::size_t ob, std::size_t oe) {
          for (std::size_t o = ob; o < oe; ++o)
            kernels::quantize_runs(f.isa, f.x + o * C, f.q + o * C, C, v.block_size, m.scale + o * v.blocks,
                                   m.inv_scale + o * v.blocks, m.zero_point + o * v.blocks, v.blocks, 0, f.c, o * C);
        }, C);
      }
      return true;
  }
  return false;
}

/// Dequantize / fake-quantize per tensor, cut into thread chunks (identical bytes for any count).
template <class F>
bool uniform_in_chunks(const CanonicalView& v, const F& f) {
  if (v.kind != Granularity::Kind::tensor) return false;
  parallel_chunks(v.channels, 256, [&](std::size_t b, std::size_t e) { f.chunk(b, e - b); });
  return true;
}

/// QuantParams::validate_for with the parameter screen run by the SIMD kernel of `isa` (per-group
/// parameters are N/G of them, checked on every call).
inline void validate_params(const QuantParams& p, const Shape& shape, Isa isa) {
  p.validate_for_with(shape, [isa](const float* S, const float* R, const std::int32_t* Z, std::size_t n, float r_min,
                                   std::int32_t qmin, std::int32_t qmax) noexcept {
    return kernels::params_screen(isa, S, R, Z, n, r_min, qmin, qmax);
  });
}

inline kernels::KernelConfig kernel_config(const QuantParams& p, bool fake) noexcept {
  return kernels::KernelConfig{fake ? p.fake_qmin : p.qmin, fake ? p.fake_qmax : p.qmax, p.scale_op, p.dequant_op,
                               p.rounding, p.seed};
}

inline void check_size(const char* name, std::size_t got, const Shape& shape) {
  if (got != shape.size()) {
    throw std::invalid_argument(std::string("qtz: ") + name + " has " + std::to_string(got) +
                                " elements; the shape " + shape.str() + " needs " + std::to_string(shape.size()));
  }
}

/// Stochastic rounding of column-major data: logical indices are not contiguous in memory, so the
/// kernels' index_base + k does not apply; the element is quantized with its own logical index.
inline bool needs_logical_index(const QuantParams& p, const Shape& s, Layout layout) noexcept {
  return p.rounding == Rounding::stochastic && layout == Layout::col_major && s.rank() > 1;
}

template <class Q>
struct QuantizeSegments {
  const float* x;
  Q* q;
  const MemoryParams& m;
  kernels::KernelConfig c;
  const Shape& shape;
  bool logical;
  Isa isa;  // chosen once per call (rule B5)
  void uniform(std::size_t off, std::size_t n, std::size_t pi) const noexcept {
    if (logical) {
      for (std::size_t k = off; k < off + n; ++k)
        q[k] = static_cast<Q>(kernels::scalar::quantize_value(x[k], m.scale[pi], m.inv_scale[pi], m.zero_point[pi], c,
                                                              col_major_to_row_major_index(k, shape)));
    } else {
      kernels::quantize_uniform(isa, x + off, q + off, n, m.scale[pi], m.inv_scale[pi], m.zero_point[pi], c, off);
    }
  }
  void vector(std::size_t off, std::size_t n, std::size_t pi) const noexcept {
    if (logical) {
      for (std::size_t k = 0; k < n; ++k)
        q[off + k] = static_cast<Q>(kernels::scalar::quantize_value(x[off + k], m.scale[pi + k], m.inv_scale[pi + k],
                                                                    m.zero_point[pi + k], c,
                                                                    col_major_to_row_major_index(off + k, shape)));
    } else {
      kernels::quantize_vector(isa, x + off, q + off, n, m.scale + pi, m.inv_scale + pi, m.zero_point + pi, c, off);
    }
  }
};

template <class Q>
struct DequantizeSegments {
  const Q* q;
  float* x;
  const MemoryParams& m;
  DequantOp op;
  Isa isa;
  void uniform(std::size_t off, std::size_t n, std::size_t pi) const noexcept {
    kernels::dequantize_uniform(isa, q + off, x + off, n, m.scale[pi], m.inv_scale[pi], m.zero_point[pi], op);
  }
  void chunk(std::size_t off, std::size_t n) const noexcept { uniform(off, n, 0); }
  void vector(std::size_t off, std::size_t n, std::size_t pi) const noexcept {
    kernels::dequantize_vector(isa, q + off, x + off, n, m.scale + pi, m.inv_scale + pi, m.zero_point + pi, op);
  }
};

struct FakeQuantizeSegments {
  const float* x;
  float* y;
  std::uint8_t* mask;
  const MemoryParams& m;
  kernels::KernelConfig c;
  const Shape& shape;
  bool logical;
  Isa isa;
  void one(std::size_t k, std::size_t pi) const noexcept {
    const std::uint64_t li = col_major_to_row_major_index(k, shape);
    const float s = m.scale[pi], r = m.inv_scale[pi];
    const std::int32_t z = m.zero_point[pi];
    if (mask) mask[k] = kernels::scalar::fake_quantize_mask(x[k], s, r, z, c, li);
    y[k] = kernels::scalar::dequantize_value(kernels::scalar::quantize_value(x[k], s, r, z, c, li), s, r, z,
                                             c.dequant_op);
  }
  void chunk(std::size_t off, std::size_t n) const noexcept { uniform(off, n, 0); }
  void uniform(std::size_t off, std::size_t n, std::size_t pi) const noexcept {
    if (logical) {
      for (std::size_t k = off; k < off + n; ++k) one(k, pi);
    } else {
      kernels::fake_quantize_uniform(isa, x + off, y + off, mask ? mask + off : nullptr, n, m.scale[pi],
                                             m.inv_scale[pi], m.zero_point[pi], c, off);
    }
  }
  void vector(std::size_t off, std::size_t n, std::size_t pi) const noexcept {
    if (logical) {
      for (std::size_t k = 0; k < n; ++k) one(off + k, pi + k);
    } else {
      kernels::fake_quantize_vector(isa, x + off, y + off, mask ? mask + off : nullptr, n, m.scale + pi,
                                            m.inv_scale + pi, m.zero_point + pi, c, off);
    }
  }
};

}  // namespace detail

/// Quantizes x (shape, layout) into q with p (eqs. (1)-(5)). q is caller-owned; nothing is allocated
/// except for per-group parameters of column-major data. Throws on a size or parameter mismatch,
/// or when Q cannot hold p.format.
template <class Q>
void quantize(Span<const float> x, Span<Q> q, const Shape& shape, const QuantParams& p,
              Layout layout = Layout::row_major) {
  check_storage_holds<Q>(p.format);
  detail::check_size("input", x.size, shape);
  detail::check_size("output", q.size, shape);
  detail::validate_params(p, shape, active_isa());
  if (shape.size() == 0) return;
  const CanonicalView v = canonical_view(shape, layout, p.granularity);
  detail::MemoryParams m;
  detail::memory_params(p, layout, m);
  detail::QuantizeSegments<Q> f{x.data, q.data, m, detail::kernel_config(p, false), shape,
                                detail::needs_logical_index(p, shape, layout), active_isa()};
  if (!f.logical && detail::quantize_in_runs(v, f)) return;
  detail::for_each_segment(v, f);
}

/// Dequantizes q into x (eq. (6)).
template <class Q>
void dequantize(Span<const Q> q, Span<float> x, const Shape& shape, const QuantParams& p,
                Layout layout = Layout::row_major) {
  check_storage_holds<std::remove_const_t<Q>>(p.format);
  detail::check_size("input", q.size, shape);
  detail::check_size("output", x.size, shape);
  detail::validate_params(p, shape, active_isa());
  if (shape.size() == 0) return;
  const CanonicalView v = canonical_view(shape, layout, p.granularity);
  detail::MemoryParams m;
  detail::memory_params(p, layout, m);
  detail::DequantizeSegments<Q> f{q.data, x.data, m, p.dequant_op, active_isa()};
  if (detail::uniform_in_chunks(v, f)) return;
  detail::for_each_segment(v, f);
}

/// y = dequantize(quantize(x)) with the fake-quantize range (eq. (17)); writes the straight-through
/// mask when `mask` is non-empty (it must then have the tensor's size).
inline void fake_quantize(Span<const float> x, Span<float> y, const Shape& shape, const QuantParams& p,
                          Layout layout = Layout::row_major, Span<std::uint8_t> mask = {}) {
  detail::check_size("input", x.size, shape);
  detail::check_size("output", y.size, shape);
  if (mask.data) detail::check_size("mask", mask.size, shape);
  detail::validate_params(p, shape, active_isa());
  if (shape.size() == 0) return;
  const CanonicalView v = canonical_view(shape, layout, p.granularity);
  detail::MemoryParams m;
  detail::memory_params(p, layout, m);
  detail::FakeQuantizeSegments f{x.data, y.data, mask.data, m, detail::kernel_config(p, true), shape,
                                 detail::needs_logical_index(p, shape, layout), active_isa()};
  if (detail::uniform_in_chunks(v, f)) return;
  detail::for_each_segment(v, f);
}

/// Pointer overloads: the buffers hold shape.size() elements.
template <class Q>
void quantize(const float* x, Q* q, const Shape& shape, const QuantParams& p, Layout layout = Layout::row_major) {
  quantize(Span<const float>(x, shape.size()), Span<Q>(q, shape.size()), shape, p, layout);
}
template <class Q>
void dequantize(const Q* q, float* x, const Shape& shape, const QuantParams& p, Layout layout = Layout::row_major) {
  dequantize(Span<const Q>(q, shape.size()), Span<float>(x, shape.size()), shape, p, layout);
}
inline void fake_quantize(const float* x, float* y, const Shape& shape, const QuantParams& p,
                          Layout layout = Layout::row_major, std::uint8_t* mask = nullptr) {
  fake_quantize(Span<const float>(x, shape.size()), Span<float>(y, shape.size()), shape, p, layout,
                Span<std::uint8_t>(mask, mask ? shape.size() : 0));
}

}  // namespace qtz
