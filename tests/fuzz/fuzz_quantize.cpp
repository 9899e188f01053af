// Fuzz harness (a): quantize / dequantize / fake_quantize on arbitrary bytes as floats with
// arbitrary parameters (docs/robustness.md §4).
//
// The parameters come from the input through the public constructors: either scales and zero
// points given directly (params_from_scales) or a range (make_params), with any format bit count,
// scheme, profile, scale operation, rounding, granularity, axis, group size, shape and layout.
// Invalid parameters must throw std::invalid_argument / std::domain_error (anything else escaping
// is a failure); valid ones must run without throwing, and then:
//   - every code lies in [qmin, qmax]; dequantized values are never NaN;
//   - fake_quantize == dequantize(quantize(x)) bit for bit when both use the same code range;
//   - differential: every ISA this CPU runs gives the scalar spec's bytes through the explicit-ISA
//     kernel entry points (uniform and per-element-vector forms, with mask).
// A violated property calls abort(), which libFuzzer reports as a crash with the input saved.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <qtz/core/profile.hpp>
#include <qtz/dispatch/dispatch.hpp>
#include <qtz/quant/ops.hpp>

#include "fuzz_input.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_quantize: property violated: %s\n", what);
  std::abort();
}

bool same_bytes(const void* a, const void* b, std::size_t n) { return n == 0 || std::memcmp(a, b, n) == 0; }

template <class Q>
void run(const std::vector<float>& x, const qtz::Shape& shape, const qtz::QuantParams& p, qtz::Layout layout,
         std::uint64_t index_base) {
  const std::size_t n = x.size();
  std::vector<Q> q(n);
  std::vector<float> d(n), y(n);
  std::vector<std::uint8_t> mask(n);
  qtz::quantize(x.data(), q.data(), shape, p, layout);
  qtz::dequantize(q.data(), d.data(), shape, p, layout);
  qtz::fake_quantize(x.data(), y.data(), shape, p, layout, mask.data());
  for (std::size_t k = 0; k < n; ++k) {
    if (q[k] < p.qmin || q[k] > p.qmax) fail("a code outside [qmin, qmax]");
    if (d[k] != d[k]) fail("dequantize produced NaN");
    if (mask[k] > 1) fail("mask is not 0/1");
  }
  if (p.fake_qmin == p.qmin && p.fake_qmax == p.qmax && !same_bytes(d.data(), y.data(), n * sizeof(float)))
    fail("fake_quantize != dequantize(quantize(x))");

  // Differential across ISAs on the kernel entry points (the ops above use the one active ISA).
  if (n == 0) return;
  const std::size_t np = p.count();
  std::vector<float> s(n), r(n);
  std::vector<std::int32_t> z(n);
  for (std::size_t k = 0; k < n; ++k) s[k] = p.scale[k % np], r[k] = p.inv_scale[k % np], z[k] = p.zero_point[k % np];
  const qtz::kernels::KernelConfig qc{p.qmin, p.qmax, p.scale_op, p.dequant_op, p.rounding, p.seed};
  const qtz::kernels::KernelConfig fc{p.fake_qmin, p.fake_qmax, p.scale_op, p.dequant_op, p.rounding, p.seed};
  struct Out {
    std::vector<Q> qu, qv;
    std::vector<float> du, dv, yu, yv;
    std::vector<std::uint8_t> mu, mv;
  };
  auto compute = [&](qtz::Isa isa) {
    Out o{std::vector<Q>(n), std::vector<Q>(n), std::vector<float>(n), std::vector<float>(n),
          std::vector<float>(n), std::vector<float>(n), std::vector<std::uint8_t>(n), std::vector<std::uint8_t>(n)};
    qtz::kernels::quantize_uniform(isa, x.data(), o.qu.data(), n, s[0], r[0], z[0], qc, index_base);
    qtz::kernels::quantize_vector(isa, x.data(), o.qv.data(), n, s.data(), r.data(), z.data(), qc, index_base);
    qtz::kernels::dequantize_uniform(isa, o.qu.data(), o.du.data(), n, s[0], r[0], z[0], p.dequant_op);
    qtz::kernels::dequantize_vector(isa, o.qv.data(), o.dv.data(), n, s.data(), r.data(), z.data(), p.dequant_op);
    qtz::kernels::fake_quantize_uniform(isa, x.data(), o.yu.data(), o.mu.data(), n, s[0], r[0], z[0], fc, index_base);
    qtz::kernels::fake_quantize_vector(isa, x.data(), o.yv.data(), o.mv.data(), n, s.data(), r.data(), z.data(), fc,
                                       index_base);
    return o;
  };
  const Out ref = compute(qtz::Isa::scalar);
  for (qtz::Isa isa : qtz::all_isas) {
    if (isa == qtz::Isa::scalar || !qtz::supported(isa)) continue;
    const Out o = compute(isa);
    if (!same_bytes(o.qu.data(), ref.qu.data(), n * sizeof(Q)) || !same_bytes(o.qv.data(), ref.qv.data(), n * sizeof(Q)))
      fail("quantize differs from the scalar spec on a SIMD ISA");
    if (!same_bytes(o.du.data(), ref.du.data(), n * 4) || !same_bytes(o.dv.data(), ref.dv.data(), n * 4))
      fail("dequantize differs from the scalar spec on a SIMD ISA");
    if (!same_bytes(o.yu.data(), ref.yu.data(), n * 4) || !same_bytes(o.yv.data(), ref.yv.data(), n * 4) ||
        !same_bytes(o.mu.data(), ref.mu.data(), n) || !same_bytes(o.mv.data(), ref.mv.data(), n))
      fail("fake_quantize differs from the scalar spec on a SIMD ISA");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  qtz_fuzz::Input in(data, size);
  const int bits_sel = in.range(0, 11);  // 0, 1, 2..8, 9, 16, 17: some formats do not exist
  static const int bits_of[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17};
  qtz::QuantSpec spec;
  spec.format = qtz::Format{bits_of[bits_sel], in.flag()};
  spec.scheme = static_cast<qtz::Scheme>(in.range(0, 2));
  spec.compat = static_cast<qtz::Compat>(in.range(0, 3));
  const int sop = in.range(0, 2);
  if (sop > 0) spec.scale_op = sop == 1 ? qtz::ScaleOp::divide : qtz::ScaleOp::reciprocal;
  spec.rounding = static_cast<qtz::Rounding>(in.range(0, 4));
  spec.seed = in.u64();
  const std::uint64_t index_base = in.u32();
  const qtz::Layout layout = in.flag() ? qtz::Layout::col_major : qtz::Layout::row_major;
  const int rank = in.range(0, 4);
  std::vector<std::int64_t> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(in.range(0, 9));
  const qtz::Shape shape(dims);
  const int kind = in.range(0, 2);
  const int axis = in.range(-5, 4);
  const std::int64_t block = in.range(-1, 12);
  const bool from_range = in.flag();
  const int nparams = in.range(0, 12);
  std::vector<float> a(static_cast<std::size_t>(nparams)), b(static_cast<std::size_t>(nparams));
  std::vector<std::int32_t> zp(static_cast<std::size_t>(nparams));
  for (int i = 0; i < nparams; ++i) {
    a[static_cast<std::size_t>(i)] = in.f32();
    b[static_cast<std::size_t>(i)] = in.f32();
    zp[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(static_cast<std::int16_t>(in.u32() & 0x1ffffu) - 256);
  }
  std::vector<float> x = in.rest_as_floats();
  x.resize(shape.size() <= 4096 ? shape.size() : 4096, 0.25f);
  if (x.size() != shape.size()) return 0;

  qtz::QuantParams p;
  try {
    qtz::Granularity g;
    if (kind == 1) g = qtz::Granularity::channel(axis);
    if (kind == 2) g = qtz::Granularity::group(axis, block);
    // Use as many parameters as the scale tensor needs when the input gave enough, else the given
    // count (which must then be rejected).
    std::size_t need = 0;
    try {
      need = qtz::element_count(qtz::scale_shape(shape, g));
    } catch (const std::invalid_argument&) {
      need = a.size();
    }
    if (need <= a.size()) {
      a.resize(need), b.resize(need), zp.resize(need);
    }
    if (from_range) {
      for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] > b[i]) std::swap(a[i], b[i]);  // mostly valid ranges; NaN bounds stay invalid
      p = qtz::make_params(a, b, spec, g, shape);
    } else {
      p = qtz::params_from_scales(a, zp, spec, g, shape);  // validates
    }
  } catch (const std::invalid_argument&) {
    return 0;
  } catch (const std::domain_error&) {
    return 0;
  }
  if (from_range) {  // qtz's parameter rules must never emit invalid parameters
    try {
      p.validate_for(shape);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      fail("make_params produced parameters that fail validation");
    }
    for (float s : p.scale)
      if (!(s >= 1.17549435e-38f && s <= 3.40282347e+38f)) fail("make_params produced an invalid scale");
  }
  // From here on nothing may throw: the parameters are valid for this shape.
  if (p.format.bits == 16) {
    if (p.format.is_signed) run<std::int16_t>(x, shape, p, layout, index_base);
    else run<std::uint16_t>(x, shape, p, layout, index_base);
  } else {
    if (p.format.is_signed) run<std::int8_t>(x, shape, p, layout, index_base);
    else run<std::uint8_t>(x, shape, p, layout, index_base);
  }
  return 0;
}
