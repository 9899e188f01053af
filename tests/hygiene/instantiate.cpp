// Compiled (not run) under -march=x86-64, x86-64-v3 and x86-64-v4 by cmake/HeaderChecks.cmake (c):
// every dispatched kernel and the public entry points are instantiated and emitted here, so the
// target attributes, the intrinsics and their inlining are compiled whatever the baseline ISA is.
// (A TU that only includes the headers would not emit inline functions or instantiate templates.)
#include <qtz/qtz.hpp>

#include <cstdint>

namespace {

template <class Q>
void all_q(const float* x, Q* q, float* y, const qtz::Shape& s, const qtz::QuantParams& p,
           const qtz::kernels::KernelConfig& c) {
  qtz::quantize(x, q, s, p);
  qtz::quantize(x, q, s, p, qtz::Layout::col_major);
  qtz::dequantize(q, y, s, p);
  qtz::dequantize(q, y, s, p, qtz::Layout::col_major);
  const float sc[2] = {1.0f, 2.0f}, r[2] = {1.0f, 0.5f};
  const std::int32_t z[2] = {0, 1};
  qtz::kernels::quantize_uniform(x, q, 64, 1.0f, 1.0f, 0, c);
  qtz::kernels::quantize_vector(x, q, 2, sc, r, z, c);
  qtz::kernels::quantize_runs(qtz::active_isa(), x, q, 64, 16, sc, r, z, 2, 0, c);
  qtz::kernels::dequantize_uniform(q, y, 64, 1.0f, 1.0f, 0, qtz::DequantOp::multiply);
  qtz::kernels::dequantize_vector(q, y, 2, sc, r, z, qtz::DequantOp::multiply);
}

}  // namespace

// External linkage: the compiler must emit everything these reach.
void qtz_instantiate_all(const float* x, std::int8_t* q8, std::uint8_t* u8, std::int16_t* q16, std::uint16_t* u16,
                         float* y, std::uint8_t* mask, std::uint64_t* counts, const qtz::Shape& s,
                         const qtz::QuantParams& p, const qtz::kernels::KernelConfig& c);
void qtz_instantiate_all(const float* x, std::int8_t* q8, std::uint8_t* u8, std::int16_t* q16, std::uint16_t* u16,
                         float* y, std::uint8_t* mask, std::uint64_t* counts, const qtz::Shape& s,
                         const qtz::QuantParams& p, const qtz::kernels::KernelConfig& c) {
  all_q(x, q8, y, s, p, c);
  all_q(x, u8, y, s, p, c);
  all_q(x, q16, y, s, p, c);
  all_q(x, u16, y, s, p, c);
  qtz::fake_quantize(x, y, s, p, qtz::Layout::row_major, mask);
  const float sc[2] = {1.0f, 2.0f}, r[2] = {1.0f, 0.5f};
  const std::int32_t z[2] = {0, 1};
  qtz::kernels::fake_quantize_uniform(x, y, mask, 64, 1.0f, 1.0f, 0, c);
  qtz::kernels::fake_quantize_vector(x, y, mask, 2, sc, r, z, c);
  volatile float sink = qtz::kernels::minmax(x, 64).min + qtz::kernels::absmax(x, 64).absmax;
  (void)sink;
  qtz::kernels::histogram_abs(x, 64, 1.0f, counts, 16);
  qtz::kernels::histogram_signed(x, 64, 1.0f, counts, counts + 16, 16);
}
