// The Eigen-facing API: QTensor (codes + parameters) and the Quantizer template over format,
// scheme, granularity, calibrator and profile (docs/quantization.md §9).
#pragma once

#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "qtz/calib/calibrator.hpp"
#include "qtz/calib/minmax.hpp"
#include "qtz/core/format.hpp"
#include "qtz/core/metrics.hpp"
#include "qtz/core/profile.hpp"
#include "qtz/core/scheme.hpp"
#include "qtz/eigen/adapt.hpp"
#include "qtz/quant/ops.hpp"

namespace qtz {

/// Integer codes in an Eigen::Tensor of the input's rank and layout, with the parameters that
/// produced them.
template <class Fmt, int Rank, int Options>
struct QTensor {
  using storage_type = storage_t<Fmt>;
  Eigen::Tensor<storage_type, Rank, Options> codes;
  QuantParams params;

  Shape shape() const {
    std::int64_t dims[Rank > 0 ? Rank : 1] = {};
    for (std::size_t i = 0; i < std::size_t{Rank}; ++i) dims[i] = static_cast<std::int64_t>(codes.dimension(i));
    return Shape(dims, dims + Rank);
  }
  static constexpr Layout layout() noexcept { return eigen::layout_of(Options); }

  /// eq. (6) for every code.
  Eigen::Tensor<float, Rank, Options> dequantize() const {
    auto out = eigen::make_tensor<float, Rank, Options>(shape());
    qtz::dequantize(Span<const storage_type>(codes.data(), static_cast<std::size_t>(codes.size())),
                    Span<float>(out.data(), static_cast<std::size_t>(out.size())), shape(), params, layout());
    return out;
  }
};

namespace detail {
/// Quantizes the viewed tensor with p into out, reusing out.codes when its dimensions match.
template <class Fmt, int Rank, int Options>
void quantize_view(const eigen::FloatView& v, const QuantParams& p, QTensor<Fmt, Rank, Options>& out) {
  using storage_type = storage_t<Fmt>;
  if (!(p.format == format_traits<Fmt>::format())) {
    throw std::invalid_argument("qtz: params.format is " + p.format.name() + "; the QTensor holds " +
                                format_traits<Fmt>::format().name() + " codes");
  }
  // qtz::quantize throws (argument errors) before it writes anything: `out` is then unchanged.
  const std::size_t n = v.shape.size();
  if (out.shape() == v.shape) {
    qtz::quantize(Span<const float>(v.data, n), Span<storage_type>(out.codes.data(), n), v.shape, p, v.layout);
  } else {
    auto codes = eigen::make_tensor<storage_type, Rank, Options>(v.shape);
    qtz::quantize(Span<const float>(v.data, n), Span<storage_type>(codes.data(), n), v.shape, p, v.layout);
    out.codes = std::move(codes);
  }
  if (&out.params != &p) out.params = p;  // copy-assignment reuses the vectors' storage
}
}  // namespace detail

/// Quantizes the Eigen tensor x with fixed parameters p (eqs. (1)-(5)) into out: out.codes are
/// reused when they already have x's dimensions and out.params becomes a copy of p, so repeated
/// calls on same-shaped tensors (activations at inference) allocate nothing. Throws like
/// qtz::quantize, and std::invalid_argument when p.format is not the QTensor's format.
///
///   qtz::QTensor<std::uint8_t, 2, Eigen::RowMajor> qa;
///   for (auto& batch : batches) qtz::quantize(batch, p, qa);
template <class Fmt, int Rank, int Options, class T>
void quantize(const T& x, const QuantParams& p, QTensor<Fmt, Rank, Options>& out) {
  using K = eigen::tensor_kind<T>;
  static_assert(K::rank == Rank && K::options == Options,
                "qtz::quantize: `out` must have the rank and storage order of x");
  detail::quantize_view(eigen::view(x), p, out);
}

/// Options of a Quantizer that are not part of its type.
struct QuantizerOptions {
  Rounding rounding = Rounding::half_even;
  std::uint64_t seed = 0;           ///< stochastic rounding
  std::optional<ScaleOp> scale_op;  ///< empty: the profile's
};

/// Calibrates on observed batches, then quantizes Eigen tensors and dense objects.
///
///   qtz::Quantizer<std::int8_t, qtz::SymmetricRestricted, qtz::PerChannel> wq{qtz::PerChannel{0}};
///   wq.observe(W);
///   auto qw = wq.quantize(W);   // qtz::QTensor
template <class Fmt, class SchemeTag = Asymmetric, class Gran = PerTensor, class Calib = MinMax,
          class Profile = compat::Qtz>
class Quantizer {
  static_assert(check_calibrator<Calib>());
  static_assert(std::is_same_v<Gran, PerTensor> || std::is_same_v<Gran, PerChannel> || std::is_same_v<Gran, PerGroup>,
                "qtz::Quantizer: granularity must be qtz::PerTensor, qtz::PerChannel or qtz::PerGroup");

 public:
  using format_type = Fmt;
  using storage_type = storage_t<Fmt>;

  /// Throws std::invalid_argument when the profile does not define this format/scheme, or for a
  /// group size below 1.
  explicit Quantizer(Gran g = Gran{}, QuantizerOptions o = {}, Calib c = Calib{})
      : granularity_(g.granularity()), calib_(std::move(c)) {
    spec_.format = format_traits<Fmt>::format();
    spec_.scheme = SchemeTag::value;
    spec_.compat = Profile::value;
    spec_.rounding = o.rounding;
    spec_.seed = o.seed;
    spec_.scale_op = o.scale_op;
    (void)profile_rules(spec_);
    if constexpr (detail::has_configure<Calib, QuantSpec>::value) calib_.configure(spec_);  // calibrator.hpp
  }

  /// Feeds one batch to the calibrator.
  template <class T>
  Quantizer& observe(const T& x) {
    const eigen::FloatView v = eigen::view(x);
    calib_.observe(v.data, v.shape, v.layout, granularity_);
    last_shape_ = v.shape;
    observed_ = true;
    return *this;
  }

  void reset() {
    calib_.reset();
    observed_ = false;
  }
  const Calib& calibrator() const noexcept { return calib_; }
  Calib& calibrator() noexcept { return calib_; }
  const QuantSpec& spec() const noexcept { return spec_; }
  const Granularity& granularity() const noexcept { return granularity_; }

  /// Parameters for tensors shaped like the last observed batch. Throws std::logic_error before
  /// any observe(), or when a slot saw no finite value.
  QuantParams params() const {
    if (!observed_) throw std::logic_error("qtz::Quantizer: no batch observed; call observe() first");
    return params(last_shape_);
  }
  /// Parameters for a tensor of `shape` (its slot count must match what was observed).
  QuantParams params(const Shape& shape) const {
    if (!observed_) throw std::logic_error("qtz::Quantizer: no batch observed; call observe() first");
    return make_params(calib_.lo(), calib_.hi(), spec_, granularity_, shape);
  }

  /// Quantizes x with the calibrated parameters into a new QTensor. The parameters are made from
  /// the calibrator on every call (for Entropy, Mse and Percentile that includes the threshold
  /// search): to quantize many tensors with the same parameters, take params() once and call
  /// qtz::quantize (quant/ops.hpp) on the raw buffers.
  template <class T>
  auto quantize(const T& x) const {
    using K = eigen::tensor_kind<T>;
    QTensor<Fmt, K::rank, K::options> out;
    quantize(x, out);
    return out;
  }

  /// Quantizes x into `out`, whose codes are reused when they already have x's dimensions: no
  /// allocation for the codes of repeated same-shaped calls (a fresh output of 64 Mi elements costs
  /// its page faults on every call, several times the quantization itself). out.params is replaced.
  template <class T, int Rank, int Options>
  void quantize(const T& x, QTensor<Fmt, Rank, Options>& out) const {
    using K = eigen::tensor_kind<T>;
    static_assert(K::rank == Rank && K::options == Options,
                  "qtz::Quantizer::quantize: `out` must have the rank and storage order of x");
    const eigen::FloatView v = eigen::view(x);
    QuantParams p = params(v.shape);
    detail::quantize_view(v, p, out);
  }

  /// dequantize(quantize(x)) with the profile's fake-quantize range, as a tensor of x's rank and layout.
  template <class T>
  auto fake_quantize(const T& x) const {
    using K = eigen::tensor_kind<T>;
    const eigen::FloatView v = eigen::view(x);
    auto out = eigen::make_tensor<float, K::rank, K::options>(v.shape);
    const std::size_t n = v.shape.size();
    qtz::fake_quantize(Span<const float>(v.data, n), Span<float>(out.data(), n), v.shape, params(v.shape), v.layout);
    return out;
  }

 private:
  QuantSpec spec_;
  Granularity granularity_;
  Calib calib_;
  Shape last_shape_;
  bool observed_ = false;
};

/// Dynamic quantization: calibrates on x itself (one observe with `Calib`), then quantizes x.
///
///   auto q = qtz::quantize_dynamic<std::uint8_t>(x);                        // asymmetric, per tensor, MinMax
///   auto w = qtz::quantize_dynamic<std::int8_t, qtz::SymmetricRestricted>(W, qtz::PerChannel{0});
template <class Fmt, class SchemeTag = Asymmetric, class Gran = PerTensor, class Calib = MinMax,
          class Profile = compat::Qtz, class T>
auto quantize_dynamic(const T& x, Gran g = Gran{}, QuantizerOptions o = {}, Calib c = Calib{}) {
  Quantizer<Fmt, SchemeTag, Gran, Calib, Profile> q(g, o, std::move(c));
  q.observe(x);
  return q.quantize(x);
}

/// Error metrics over two Eigen objects of the same size and layout (eqs. (18)-(21)).
namespace eigen {
namespace detail {
template <class A, class B, class F>
double metric(const A& x, const B& y, F f) {
  const FloatView a = view(x), b = view(y);
  if (a.shape.size() != b.shape.size() || a.layout != b.layout) {
    throw std::invalid_argument("qtz: metric operands differ in size or layout: " + a.shape.str() + " vs " +
                                b.shape.str());
  }
  return f(a.data, b.data, a.shape.size());
}
}  // namespace detail
template <class A, class B>
double mse(const A& x, const B& y) {
  return detail::metric(x, y, [](const float* p, const float* q, std::size_t n) { return qtz::mse(p, q, n); });
}
template <class A, class B>
double sqnr_db(const A& x, const B& y) {
  return detail::metric(x, y, [](const float* p, const float* q, std::size_t n) { return qtz::sqnr_db(p, q, n); });
}
template <class A, class B>
double max_abs_error(const A& x, const B& y) {
  return detail::metric(x, y, [](const float* p, const float* q, std::size_t n) { return qtz::max_abs_error(p, q, n); });
}
template <class A, class B>
double cosine(const A& x, const B& y) {
  return detail::metric(x, y, [](const float* p, const float* q, std::size_t n) { return qtz::cosine(p, q, n); });
}
}  // namespace eigen

}  // namespace qtz
