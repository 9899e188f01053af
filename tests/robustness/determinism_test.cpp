// Determinism (docs/robustness.md §3): the same bytes for repeated runs, for every ISA, for any
// thread count, on every machine and compiler flag set.
//
// A fixed input (its own SplitMix64 generator: std:: distributions are implementation-defined) is
// quantized, dequantized and fake-quantized through qtz::quantize / dequantize / fake_quantize for
// every granularity shape the segment walk has (per tensor; per channel on each axis; per group with
// the blocked axis innermost and not), both layouts, every rounding mode, both scale operations and
// several formats and profiles. Every output byte (codes as little-endian bytes, floats as their bit
// patterns, masks, and the parameters themselves) is folded into one 64-bit FNV-1a hash.
//
// kExpectedHash was computed once with this file (g++ 12, x86-64, -O3). It is a behaviour pin, not
// a reference value: if it changes, some output byte of qtz changed — on purpose (a deliberate
// change of a rule: update the constant and say so in the change) or not (a bug, an FMA contraction,
// an ISA path that differs from the scalar spec). kExpectedLargeHash pins a few configurations on
// a tensor above qtz::kParallelMinElements, computed with 1, 2 and 3 threads
// (qtz::set_num_threads). The constants are the same on every platform and
// flag set: the ctest entries robustness/determinism/isa_<isa> rerun this file with QTZ_FORCE_ISA set
// to each ISA, the aarch64 CI build runs it under qemu (NEON), and the `fpcontract` preset builds it
// with -ffp-contract=fast -march=x86-64-v3.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <qtz/core/profile.hpp>
#include <qtz/dispatch/dispatch.hpp>
#include <qtz/quant/ops.hpp>

#include "support/isa_sweep.hpp"

using qtz::Compat;
using qtz::Format;
using qtz::Granularity;
using qtz::Layout;
using qtz::QuantParams;
using qtz::QuantSpec;
using qtz::Rounding;
using qtz::ScaleOp;
using qtz::Scheme;
using qtz::Shape;

namespace {

constexpr std::uint64_t kExpectedHash = 0x8482d5bbffc88152ull;  // see the header comment
constexpr std::uint64_t kExpectedLargeHash = 0xad431b9b85af251cull;           // the large-tensor (threaded) variant

/// FNV-1a, 64 bit (Fowler, Noll, Vo).
struct Fnv1a {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void byte(std::uint8_t b) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  void u32(std::uint32_t v) {
    for (int k = 0; k < 4; ++k) byte(static_cast<std::uint8_t>(v >> (8 * k)));  // little-endian, any host
  }
  void f32(float v) {
    std::uint32_t u = 0;
    std::memcpy(&u, &v, 4);
    u32(u);
  }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
};

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// n values: mostly uniform in [-6, 6) on a 2^-12 grid (many exact ties for power-of-two scales),
/// some arbitrary floats, and special values at fixed positions.
std::vector<float> make_input(std::size_t n) {
  std::uint64_t s = 20240601;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t r = splitmix(s);
    if (r % 5 == 0) {
      const auto bits = static_cast<std::uint32_t>((r >> 8) & 0xffffffffu);
      float v = 0;
      std::memcpy(&v, &bits, 4);
      x[i] = (v == v && v - v == 0.0f && v < 1e6f && v > -1e6f) ? v : 0.25f;  // arbitrary finite floats
    } else {
      x[i] = static_cast<float>(static_cast<std::int32_t>((r >> 20) % 49152) - 24576) / 4096.0f;
    }
  }
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
                            -0.0f, 0.5f, -0.5f, 1.5f, -2.5f, 1e30f, -1e-30f};
  for (std::size_t k = 0; k < sizeof specials / sizeof specials[0]; ++k) x[(k * 97 + 5) % n] = specials[k];
  return x;
}

struct Config {
  Granularity g;
  Layout layout;
  Rounding rounding;
  ScaleOp scale_op;
  Format format;
  Scheme scheme;
  Compat compat;
};

std::vector<Config> configs() {
  const Granularity grans[] = {Granularity::tensor(),   Granularity::channel(0),  Granularity::channel(1),
                               Granularity::channel(-1), Granularity::group(2, 8), Granularity::group(1, 4),
                               Granularity::group(0, 3)};
  const Rounding roundings[] = {Rounding::half_even, Rounding::half_away, Rounding::floor, Rounding::toward_zero,
                                Rounding::stochastic};
  struct Fmt {
    Format f;
    Scheme s;
    Compat c;
  };
  const Fmt fmts[] = {{Format{8, true}, Scheme::asymmetric, Compat::qtz},
                      {Format{4, false}, Scheme::symmetric_full, Compat::qtz},
                      {Format{16, true}, Scheme::symmetric_restricted, Compat::qtz},
                      {Format{8, false}, Scheme::asymmetric, Compat::pytorch},
                      {Format{8, true}, Scheme::symmetric_restricted, Compat::tensorrt}};
  std::vector<Config> out;
  for (const Granularity& g : grans)
    for (Layout l : {Layout::row_major, Layout::col_major})
      for (Rounding r : roundings)
        for (ScaleOp op : {ScaleOp::divide, ScaleOp::reciprocal})
          for (const Fmt& f : fmts) out.push_back(Config{g, l, r, op, f.f, f.s, f.c});
  return out;
}

const Shape kShape{4, 9, 37};  // 1332 elements: SIMD bodies and tails on every run length

QuantSpec spec_of(const Config& c, std::uint64_t seed) {
  QuantSpec spec;
  spec.format = c.format;
  spec.scheme = c.scheme;
  spec.compat = c.compat;
  spec.scale_op = c.scale_op;
  spec.rounding = c.rounding;
  spec.seed = seed;
  return spec;
}

QuantParams params_for(const Config& c) {
  const QuantSpec spec = spec_of(c, 77);
  const std::size_t n = qtz::element_count(qtz::scale_shape(kShape, c.g));
  std::vector<float> lo(n), hi(n);
  for (std::size_t i = 0; i < n; ++i) {  // ranges that differ per slot; some non-power-of-two scales
    lo[i] = -1.0f - 0.375f * static_cast<float>(i % 11);
    hi[i] = 2.0f + 0.1f * static_cast<float>(i % 7);
  }
  return qtz::make_params(lo, hi, spec, c.g, kShape);
}

template <class Q>
void run_typed(const std::vector<float>& x, const QuantParams& p, Layout layout, Fnv1a& h) {
  const std::size_t n = x.size();
  std::vector<Q> q(n);
  std::vector<float> d(n), y(n);
  std::vector<std::uint8_t> mask(n);
  qtz::quantize(x.data(), q.data(), kShape, p, layout);
  qtz::dequantize(q.data(), d.data(), kShape, p, layout);
  qtz::fake_quantize(x.data(), y.data(), kShape, p, layout, mask.data());
  for (Q v : q) h.i32(static_cast<std::int32_t>(v));
  for (float v : d) h.f32(v);
  for (float v : y) h.f32(v);
  for (std::uint8_t v : mask) h.byte(v);
}

/// The hash of every output of every configuration.
std::uint64_t hash_all(const std::vector<float>& x) {
  Fnv1a h;
  for (const Config& c : configs()) {
    const QuantParams p = params_for(c);
    for (float v : p.scale) h.f32(v);
    for (float v : p.inv_scale) h.f32(v);
    for (std::int32_t v : p.zero_point) h.i32(v);
    if (c.format.bits == 16) run_typed<std::int16_t>(x, p, c.layout, h);
    else if (c.format.is_signed) run_typed<std::int8_t>(x, p, c.layout, h);
    else run_typed<std::uint8_t>(x, p, c.layout, h);
  }
  return h.h;
}

/// Kernel-level hash on an explicit ISA: uniform and per-element-vector entry points, every
/// rounding mode and scale operation, run lengths 0..n.
std::uint64_t kernel_hash(qtz::Isa isa, const std::vector<float>& x) {
  Fnv1a h;
  const std::size_t n = 200;
  std::vector<float> s(n), r(n);
  std::vector<std::int32_t> z(n);
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = 0.5f + 0.0625f * static_cast<float>(i % 13);
    r[i] = 1.0f / s[i];
    z[i] = static_cast<std::int32_t>(i % 9) - 4;
  }
  std::vector<std::int8_t> q(n);
  std::vector<float> d(n), y(n);
  std::vector<std::uint8_t> m(n);
  for (Rounding rd : {Rounding::half_even, Rounding::half_away, Rounding::floor, Rounding::toward_zero,
                      Rounding::stochastic}) {
    for (ScaleOp op : {ScaleOp::divide, ScaleOp::reciprocal}) {
      const qtz::kernels::KernelConfig kc{-128, 127, op, qtz::DequantOp::multiply, rd, 5};
      for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{31}, std::size_t{33},
                              std::size_t{64}, std::size_t{65}, n}) {
        qtz::kernels::quantize_uniform(isa, x.data() + 3, q.data(), len, 0.375f, 1.0f / 0.375f, 3, kc, 11);
        qtz::kernels::dequantize_uniform(isa, q.data(), d.data(), len, 0.375f, 1.0f / 0.375f, 3, kc.dequant_op);
        qtz::kernels::fake_quantize_uniform(isa, x.data() + 3, y.data(), m.data(), len, 0.375f, 1.0f / 0.375f, 3, kc, 11);
        for (std::size_t k = 0; k < len; ++k) h.i32(q[k]), h.f32(d[k]), h.f32(y[k]), h.byte(m[k]);
        qtz::kernels::quantize_vector(isa, x.data(), q.data(), len, s.data(), r.data(), z.data(), kc, 0);
        qtz::kernels::dequantize_vector(isa, q.data(), d.data(), len, s.data(), r.data(), z.data(), kc.dequant_op);
        qtz::kernels::fake_quantize_vector(isa, x.data(), y.data(), m.data(), len, s.data(), r.data(), z.data(), kc, 0);
        for (std::size_t k = 0; k < len; ++k) h.i32(q[k]), h.f32(d[k]), h.f32(y[k]), h.byte(m[k]);
      }
    }
  }
  return h.h;
}

/// Tensors of at least qtz::kParallelMinElements elements, which quantize & co. split across
/// qtz::num_threads() threads: a few configurations covering every segment shape.
const Shape kLargeShape{2, 5, 104858};  // 1048580 >= 2^20 elements

std::uint64_t hash_large(const std::vector<float>& x) {
  const Config cs[] = {
      {Granularity::tensor(), Layout::row_major, Rounding::half_even, ScaleOp::divide, Format{8, true},
       Scheme::asymmetric, Compat::qtz},
      {Granularity::channel(1), Layout::row_major, Rounding::stochastic, ScaleOp::reciprocal, Format{8, false},
       Scheme::asymmetric, Compat::pytorch},
      {Granularity::channel(0), Layout::col_major, Rounding::half_away, ScaleOp::divide, Format{16, true},
       Scheme::symmetric_restricted, Compat::qtz},
      {Granularity::group(2, 1000), Layout::row_major, Rounding::stochastic, ScaleOp::divide, Format{4, true},
       Scheme::symmetric_full, Compat::qtz},
      {Granularity::group(1, 2), Layout::col_major, Rounding::floor, ScaleOp::reciprocal, Format{8, true},
       Scheme::symmetric_restricted, Compat::tensorrt},
  };
  Fnv1a h;
  for (const Config& c : cs) {
    const QuantSpec spec = spec_of(c, 99);
    const std::size_t n = qtz::element_count(qtz::scale_shape(kLargeShape, c.g));
    std::vector<float> lo(n), hi(n);
    for (std::size_t i = 0; i < n; ++i) {
      lo[i] = -2.0f - 0.125f * static_cast<float>(i % 5);
      hi[i] = 1.5f + 0.3f * static_cast<float>(i % 3);
    }
    const QuantParams p = qtz::make_params(lo, hi, spec, c.g, kLargeShape);
    const std::size_t m = x.size();
    std::vector<std::int16_t> q16(c.format.bits == 16 ? m : 0);
    std::vector<std::int8_t> q8(c.format.bits == 16 ? 0 : m);
    std::vector<std::uint8_t> u8(0), mask(m);
    std::vector<float> d(m), y(m);
    if (c.format.bits == 16) {
      qtz::quantize(x.data(), q16.data(), kLargeShape, p, c.layout);
      qtz::dequantize(q16.data(), d.data(), kLargeShape, p, c.layout);
      for (std::int16_t v : q16) h.i32(v);
    } else if (c.format.is_signed) {
      qtz::quantize(x.data(), q8.data(), kLargeShape, p, c.layout);
      qtz::dequantize(q8.data(), d.data(), kLargeShape, p, c.layout);
      for (std::int8_t v : q8) h.i32(v);
    } else {
      u8.resize(m);
      qtz::quantize(x.data(), u8.data(), kLargeShape, p, c.layout);
      qtz::dequantize(u8.data(), d.data(), kLargeShape, p, c.layout);
      for (std::uint8_t v : u8) h.i32(v);
    }
    qtz::fake_quantize(x.data(), y.data(), kLargeShape, p, c.layout, mask.data());
    for (float v : d) h.f32(v);
    for (float v : y) h.f32(v);
    for (std::uint8_t v : mask) h.byte(v);
  }
  return h.h;
}

struct ThreadReset {  // back to the default (1) even when an assertion fails
  ~ThreadReset() { qtz::set_num_threads(1); }
};

std::string hex(std::uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%016llxull", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

TEST_CASE("quantize/dequantize/fake_quantize outputs hash to the committed value", "[robustness][determinism][isa_hash]") {
  const std::vector<float> x = make_input(kShape.size());
  const std::uint64_t h = hash_all(x);
  INFO("active ISA: " << qtz::name(qtz::active_isa()) << "; hash " << hex(h) << ", expected " << hex(kExpectedHash));
  CHECK(h == kExpectedHash);
}

TEST_CASE("repeated runs give the same bytes", "[robustness][determinism]") {
  const std::vector<float> x = make_input(kShape.size());
  const std::uint64_t a = hash_all(x), b = hash_all(x);
  CHECK(a == b);
  CHECK(kernel_hash(qtz::Isa::scalar, x) == kernel_hash(qtz::Isa::scalar, x));
}

TEST_CASE("every ISA gives the scalar spec's bytes (explicit-ISA kernel entry points)", "[robustness][determinism]") {
  const std::vector<float> x = make_input(kShape.size());
  const std::uint64_t ref = kernel_hash(qtz::Isa::scalar, x);
  qtz_test::for_each_simd_isa([&](qtz::Isa isa) {
    INFO("ISA " << qtz::name(isa));
    CHECK(kernel_hash(isa, x) == ref);
  });
}

TEST_CASE("the same bytes for any thread count (tensors above the parallel threshold)", "[robustness][determinism]") {
  const std::vector<float> x = make_input(kLargeShape.size());
  ThreadReset reset;
  for (unsigned t : {1u, 2u, 3u}) {
    qtz::set_num_threads(t);
    const std::uint64_t h = hash_large(x);
    INFO("threads " << t << " (resolved " << qtz::num_threads() << "); hash " << hex(h) << ", expected "
                    << hex(kExpectedLargeHash));
    CHECK(h == kExpectedLargeHash);
  }
}

TEST_CASE("QTZ_FORCE_ISA selects the ISA this run hashes with", "[robustness][determinism][isa_hash]") {
  // The ctest entries robustness/determinism/isa_<isa> set QTZ_FORCE_ISA; the hash test above then
  // pins the bytes of qtz::quantize & co. on that ISA. Make sure the variable took effect.
  const char* forced = std::getenv("QTZ_FORCE_ISA");
  qtz::Isa want = qtz::Isa::scalar;
  if (forced != nullptr && qtz::parse_isa(forced, want) && qtz::supported(want)) {
    INFO("QTZ_FORCE_ISA=" << forced);
    CHECK(qtz::active_isa() == want);
  } else {
    SUCCEED("QTZ_FORCE_ISA unset or not supported here; active ISA " << qtz::name(qtz::active_isa()));
  }
}
