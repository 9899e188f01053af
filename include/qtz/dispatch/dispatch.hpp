// Runtime dispatch (style-anchors.md §4 C): which ISA runs, and the kernel entry points.
//
//   qtz::active_isa()    chosen once per program (function-local static, thread-safe):
//                        QTZ_FORCE_ISA if it names a supported ISA, otherwise — when the variable is
//                        unset or empty — the best compiled-in ISA the CPU supports; an unknown or
//                        unsupported QTZ_FORCE_ISA value yields scalar (rule C3), never a crash.
//   qtz::kernels::f(isa, ...)   explicit-ISA entry points for tests and benchmarks (rule C4); an ISA
//                        the CPU cannot run falls back to scalar instead of faulting.
//   qtz::kernels::f(...)        the same with active_isa().
// One switch per call, never per element (rule B5). Entry points take pointers and scalars only.
#pragma once

#include "qtz/dispatch/cpu.hpp"
#include "qtz/dispatch/isa.hpp"
#include "qtz/kernels/scalar/histogram.hpp"
#include "qtz/kernels/scalar/minmax.hpp"
#include "qtz/kernels/scalar/quantize.hpp"

#if defined(QTZ_HAVE_AVX2)
#include "qtz/kernels/avx2/quantize.hpp"
#endif
#if defined(QTZ_HAVE_AVX512)
#include "qtz/kernels/avx512/quantize.hpp"
#endif
#if defined(QTZ_HAVE_NEON)
#include "qtz/kernels/neon/quantize.hpp"
#endif

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace qtz {

/// Parses an ISA name ("scalar", "avx2", "avx512", "neon"); false for anything else (out unchanged).
inline bool parse_isa(const char* s, Isa& out) noexcept {
  if (s == nullptr) return false;
  for (Isa isa : all_isas) {
    if (std::strcmp(s, name(isa)) == 0) {
      out = isa;
      return true;
    }
  }
  return false;
}

/// The ISA selection rule (C3) for a QTZ_FORCE_ISA value (nullptr when unset): unset or empty ->
/// best supported; a supported ISA's name -> that ISA; an unknown or unsupported value -> scalar.
inline Isa select_isa(const char* forced) noexcept {
  if (forced == nullptr || forced[0] == '\0') return best_supported_isa();
  Isa isa = Isa::scalar;
  if (parse_isa(forced, isa) && supported(isa)) return isa;
  return Isa::scalar;
}

/// The ISA every default entry point uses, chosen on first use and fixed for the program's life.
inline Isa active_isa() noexcept {
  static const Isa isa = select_isa(std::getenv("QTZ_FORCE_ISA"));  // NOLINT(concurrency-mt-unsafe)
  return isa;
}

namespace kernels {
namespace detail {
inline Isa runnable(Isa isa) noexcept { return supported(isa) ? isa : Isa::scalar; }
}  // namespace detail

#if defined(QTZ_HAVE_AVX512)
#define QTZ_DETAIL_CASE_AVX512(call) case Isa::avx512: return avx512::call;
#else
#define QTZ_DETAIL_CASE_AVX512(call)
#endif
#if defined(QTZ_HAVE_AVX2)
#define QTZ_DETAIL_CASE_AVX2(call) case Isa::avx2: return avx2::call;
#else
#define QTZ_DETAIL_CASE_AVX2(call)
#endif
#if defined(QTZ_HAVE_NEON)
#define QTZ_DETAIL_CASE_NEON(call) case Isa::neon: return neon::call;
#else
#define QTZ_DETAIL_CASE_NEON(call)
#endif
// A missing kernel is an explicit fall-through to the scalar spec (the `default:`).
#define QTZ_DETAIL_DISPATCH(isa, call)                                                  \
  switch (detail::runnable(isa)) {                                                      \
    QTZ_DETAIL_CASE_AVX512(call) QTZ_DETAIL_CASE_AVX2(call) QTZ_DETAIL_CASE_NEON(call) \
    default: return scalar::call;                                                       \
  }

/// scalar::quantize_uniform on `isa`.
template <class Q>
inline void quantize_uniform(Isa isa, const float* x, Q* q, std::size_t n, float scale, float inv_scale,
                             std::int32_t zp, const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  QTZ_DETAIL_DISPATCH(isa, quantize_uniform(x, q, n, scale, inv_scale, zp, c, index_base))
}
/// scalar::quantize_vector on `isa`.
template <class Q>
inline void quantize_vector(Isa isa, const float* x, Q* q, std::size_t n, const float* scale, const float* inv_scale,
                            const std::int32_t* zp, const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  QTZ_DETAIL_DISPATCH(isa, quantize_vector(x, q, n, scale, inv_scale, zp, c, index_base))
}
/// The reference of quantize_runs: scalar::quantize_uniform once per run. Element k of x[0..n) uses
/// parameter (phase + k / run) % period.
template <class Q>
inline void quantize_runs_reference(const float* x, Q* q, std::size_t n, std::size_t run, const float* scale,
                                    const float* inv_scale, const std::int32_t* zp, std::size_t period,
                                    std::size_t phase, const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  std::size_t p = phase;
  for (std::size_t k = 0; k < n; k += run) {
    const std::size_t len = run < n - k ? run : n - k;
    scalar::quantize_uniform(x + k, q + k, len, scale[p], inv_scale[p], zp[p], c, index_base + k);
    p = p + 1 == period ? 0 : p + 1;
  }
}

/// Runs of `run` elements sharing one parameter, the parameter index stepping by one per run and
/// wrapping at `period`, starting at `phase` (run >= 1, period >= 1, phase < period): per-channel
/// quantize with the channel axis outermost (run = inner) or innermost (run = 1), blocked-innermost
/// per-group (run = G), in one call. Bytes equal quantize_runs_reference.
template <class Q>
inline void quantize_runs(Isa isa, const float* x, Q* q, std::size_t n, std::size_t run, const float* scale,
                          const float* inv_scale, const std::int32_t* zp, std::size_t period, std::size_t phase,
                          const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  switch (detail::runnable(isa)) {
    QTZ_DETAIL_CASE_AVX512(quantize_runs(x, q, n, run, scale, inv_scale, zp, period, phase, c, index_base))
    QTZ_DETAIL_CASE_AVX2(quantize_runs(x, q, n, run, scale, inv_scale, zp, period, phase, c, index_base))
    QTZ_DETAIL_CASE_NEON(quantize_runs(x, q, n, run, scale, inv_scale, zp, period, phase, c, index_base))
    default: return quantize_runs_reference(x, q, n, run, scale, inv_scale, zp, period, phase, c, index_base);
  }
}
/// scalar::dequantize_uniform on `isa`.
template <class Q>
inline void dequantize_uniform(Isa isa, const Q* q, float* x, std::size_t n, float scale, float inv_scale,
                               std::int32_t zp, DequantOp op) noexcept {
  QTZ_DETAIL_DISPATCH(isa, dequantize_uniform(q, x, n, scale, inv_scale, zp, op))
}
/// scalar::dequantize_vector on `isa`.
template <class Q>
inline void dequantize_vector(Isa isa, const Q* q, float* x, std::size_t n, const float* scale,
                              const float* inv_scale, const std::int32_t* zp, DequantOp op) noexcept {
  QTZ_DETAIL_DISPATCH(isa, dequantize_vector(q, x, n, scale, inv_scale, zp, op))
}
/// scalar::fake_quantize_uniform on `isa`.
inline void fake_quantize_uniform(Isa isa, const float* x, float* y, std::uint8_t* mask, std::size_t n, float scale,
                                  float inv_scale, std::int32_t zp, const KernelConfig& c,
                                  std::uint64_t index_base = 0) noexcept {
  QTZ_DETAIL_DISPATCH(isa, fake_quantize_uniform(x, y, mask, n, scale, inv_scale, zp, c, index_base))
}
/// scalar::fake_quantize_vector on `isa`.
inline void fake_quantize_vector(Isa isa, const float* x, float* y, std::uint8_t* mask, std::size_t n,
                                 const float* scale, const float* inv_scale, const std::int32_t* zp,
                                 const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  QTZ_DETAIL_DISPATCH(isa, fake_quantize_vector(x, y, mask, n, scale, inv_scale, zp, c, index_base))
}
/// scalar::minmax on `isa`.
inline MinMaxResult minmax(Isa isa, const float* x, std::size_t n) noexcept {
  QTZ_DETAIL_DISPATCH(isa, minmax(x, n))
}
/// scalar::absmax on `isa`.
inline scalar::AbsMaxResult absmax(Isa isa, const float* x, std::size_t n) noexcept {
  QTZ_DETAIL_DISPATCH(isa, absmax(x, n))
}
/// scalar::histogram_abs on `isa`.
inline void histogram_abs(Isa isa, const float* x, std::size_t n, float inv_width, std::uint64_t* counts,
                          std::size_t bins) noexcept {
  QTZ_DETAIL_DISPATCH(isa, histogram_abs(x, n, inv_width, counts, bins))
}
/// scalar::histogram_signed on `isa`.
inline void histogram_signed(Isa isa, const float* x, std::size_t n, float inv_width, std::uint64_t* pos,
                             std::uint64_t* neg, std::size_t bins) noexcept {
  QTZ_DETAIL_DISPATCH(isa, histogram_signed(x, n, inv_width, pos, neg, bins))
}

/// scalar::params_screen on `isa`.
inline bool params_screen(Isa isa, const float* S, const float* R, const std::int32_t* Z, std::size_t n, float r_min,
                          std::int32_t qmin, std::int32_t qmax) noexcept {
  QTZ_DETAIL_DISPATCH(isa, params_screen(S, R, Z, n, r_min, qmin, qmax))
}

#undef QTZ_DETAIL_DISPATCH
#undef QTZ_DETAIL_CASE_AVX512
#undef QTZ_DETAIL_CASE_AVX2
#undef QTZ_DETAIL_CASE_NEON

// Default entry points: active_isa().
template <class Q>
inline void quantize_uniform(const float* x, Q* q, std::size_t n, float scale, float inv_scale, std::int32_t zp,
                             const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  quantize_uniform(active_isa(), x, q, n, scale, inv_scale, zp, c, index_base);
}
template <class Q>
inline void quantize_vector(const float* x, Q* q, std::size_t n, const float* scale, const float* inv_scale,
                            const std::int32_t* zp, const KernelConfig& c, std::uint64_t index_base = 0) noexcept {
  quantize_vector(active_isa(), x, q, n, scale, inv_scale, zp, c, index_base);
}
template <class Q>
inline void dequantize_uniform(const Q* q, float* x, std::size_t n, float scale, float inv_scale, std::int32_t zp,
                               DequantOp op) noexcept {
  dequantize_uniform(active_isa(), q, x, n, scale, inv_scale, zp, op);
}
template <class Q>
inline void dequantize_vector(const Q* q, float* x, std::size_t n, const float* scale, const float* inv_scale,
                              const std::int32_t* zp, DequantOp op) noexcept {
  dequantize_vector(active_isa(), q, x, n, scale, inv_scale, zp, op);
}
inline void fake_quantize_uniform(const float* x, float* y, std::uint8_t* mask, std::size_t n, float scale,
                                  float inv_scale, std::int32_t zp, const KernelConfig& c,
                                  std::uint64_t index_base = 0) noexcept {
  fake_quantize_uniform(active_isa(), x, y, mask, n, scale, inv_scale, zp, c, index_base);
}
inline void fake_quantize_vector(const float* x, float* y, std::uint8_t* mask, std::size_t n, const float* scale,
                                 const float* inv_scale, const std::int32_t* zp, const KernelConfig& c,
                                 std::uint64_t index_base = 0) noexcept {
  fake_quantize_vector(active_isa(), x, y, mask, n, scale, inv_scale, zp, c, index_base);
}
inline MinMaxResult minmax(const float* x, std::size_t n) noexcept { return minmax(active_isa(), x, n); }
inline scalar::AbsMaxResult absmax(const float* x, std::size_t n) noexcept { return absmax(active_isa(), x, n); }
inline void histogram_abs(const float* x, std::size_t n, float inv_width, std::uint64_t* counts,
                          std::size_t bins) noexcept {
  histogram_abs(active_isa(), x, n, inv_width, counts, bins);
}
inline void histogram_signed(const float* x, std::size_t n, float inv_width, std::uint64_t* pos, std::uint64_t* neg,
                             std::size_t bins) noexcept {
  histogram_signed(active_isa(), x, n, inv_width, pos, neg, bins);
}

}  // namespace kernels

// ---- optional threading (issue 4 item 3) ----
namespace detail {
inline std::atomic<unsigned>& thread_setting() noexcept {
  static std::atomic<unsigned> n{1};
  return n;
}
}  // namespace detail

/// Tensors of at least this many elements may be split across threads (quant/ops.hpp).
constexpr std::size_t kParallelMinElements = std::size_t{1} << 20;

/// Each thread gets at least this many elements: a call uses min(num_threads(), N / this) threads.
/// Measured on a 16-core machine (bench/RESULTS.md, "Threading"): at 1 Mi elements 4 threads ran
/// 1.8x one thread, 8 threads 1.0x and 16 threads 0.45x (starting a thread costs more than
/// quantizing 64 Ki elements).
constexpr std::size_t kParallelMinElementsPerThread = std::size_t{1} << 18;

/// How many threads quantize / dequantize / fake_quantize (quant/ops.hpp) may use for one call on a
/// tensor of >= kParallelMinElements elements: 1 (the default) runs on the calling thread only;
/// 0 means std::thread::hardware_concurrency(). A call of N elements uses at most
/// N / kParallelMinElementsPerThread of them. Program-wide, thread-safe to set. The output bytes
/// are identical for every value: the work is cut at parameter-run boundaries and every element is
/// computed exactly as in a single-threaded call (stochastic rounding uses the element's index).
inline void set_num_threads(unsigned n) noexcept { detail::thread_setting().store(n, std::memory_order_relaxed); }

/// The value set by set_num_threads, with 0 resolved to the hardware concurrency (at least 1).
inline unsigned num_threads() noexcept {
  const unsigned n = detail::thread_setting().load(std::memory_order_relaxed);
  if (n != 0) return n;
  const unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : h;
}

namespace detail {
/// Calls f(begin, end) over [0, n) cut into chunks whose boundaries are multiples of `grain`
/// (grain >= 1), running the chunks on std::threads. Each of the n items stands for
/// `item_elements` tensor elements: the items are cut only when they hold >= kParallelMinElements
/// elements, into at most num_threads() chunks of >= kParallelMinElementsPerThread elements each.
/// If a thread cannot be started, its chunk runs on the calling thread.
template <class F>
void parallel_chunks(std::size_t n, std::size_t grain, F&& f, std::size_t item_elements = 1) {
  const unsigned t = num_threads();
  const std::size_t units = (n + grain - 1) / grain;
  const std::size_t elements = item_elements != 0 && n > SIZE_MAX / item_elements ? SIZE_MAX : n * item_elements;
  std::size_t parts = elements < kParallelMinElements || t <= 1 ? 1 : t;
  if (parts > elements / kParallelMinElementsPerThread) parts = elements / kParallelMinElementsPerThread;
  if (parts > units) parts = units;
  if (parts <= 1) {
    f(std::size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(parts - 1);
  std::size_t begin = 0;
  for (std::size_t k = 0; k < parts; ++k) {
    const std::size_t end_units = units * (k + 1) / parts;
    const std::size_t end = end_units * grain < n ? end_units * grain : n;
    if (k + 1 == parts) {
      f(begin, end);  // the last chunk on the calling thread
    } else {
      try {
        pool.emplace_back([&f, begin, end] { f(begin, end); });
      } catch (...) {
        f(begin, end);
      }
    }
    begin = end;
  }
  for (std::thread& th : pool) th.join();
}
}  // namespace detail

}  // namespace qtz
