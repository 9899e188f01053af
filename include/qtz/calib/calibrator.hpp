// The calibrator contract (docs/quantization.md §7), checked at compile time with readable messages.
//
// A calibrator C provides:
//   void observe(const float* x, const Shape& shape, Layout layout, const Granularity& g);
//   void reset();
//   std::vector<float> lo() const, hi() const;   // one range per parameter slot; throws when a slot saw no finite value
//   std::uint64_t finite_count() const, nonfinite_count() const;
//   static constexpr bool mergeable;             // and, when true, void merge(const C&)
// Optional:
//   void configure(const QuantSpec&);             // called by qtz::Quantizer's constructor, so that a
//                                                 // threshold calibrator knows the format (levels), the
//                                                 // scheme (how T becomes a range) and the profile
//                                                 // (tensorrt: TensorRT's histogram)
//
// Ranges: one [lo, hi] per parameter slot (per tensor: 1; per channel: C; per group: the scale
// tensor's elements in logical row-major order). Non-finite values are skipped and counted. Asking
// for a range before any finite value of a slot was seen throws std::logic_error. The calibrators
// of qtz: MinMax, MovingAverageMinMax (sequential: merge does not compile), Percentile, Entropy, Mse.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "qtz/core/shape.hpp"

namespace qtz {

namespace detail {
template <class C, class = void>
struct has_observe : std::false_type {};
template <class C>
struct has_observe<C, std::void_t<decltype(std::declval<C&>().observe(
                          std::declval<const float*>(), std::declval<const Shape&>(), std::declval<Layout>(),
                          std::declval<const Granularity&>()))>> : std::true_type {};
template <class C, class = void>
struct has_range : std::false_type {};
template <class C>
struct has_range<C, std::enable_if_t<std::is_same_v<decltype(std::declval<const C&>().lo()), std::vector<float>> &&
                                     std::is_same_v<decltype(std::declval<const C&>().hi()), std::vector<float>>>>
    : std::true_type {};
template <class C, class = void>
struct has_reset : std::false_type {};
template <class C>
struct has_reset<C, std::void_t<decltype(std::declval<C&>().reset())>> : std::true_type {};
template <class C, class = void>
struct has_counts : std::false_type {};
template <class C>
struct has_counts<C, std::void_t<decltype(std::uint64_t{std::declval<const C&>().finite_count()}),
                                 decltype(std::uint64_t{std::declval<const C&>().nonfinite_count()})>>
    : std::true_type {};
template <class C, class = void>
struct has_merge : std::false_type {};
template <class C>
struct has_merge<C, std::void_t<decltype(std::declval<C&>().merge(std::declval<const C&>()))>> : std::true_type {};
template <class C, class = void>
struct mergeable_flag : std::false_type {};
template <class C>
struct mergeable_flag<C, std::enable_if_t<C::mergeable>> : std::true_type {};
/// True when C has `void configure(const QuantSpec&)` (QuantSpec is only forward-declared here).
template <class C, class Spec, class = void>
struct has_configure : std::false_type {};
template <class C, class Spec>
struct has_configure<C, Spec, std::void_t<decltype(std::declval<C&>().configure(std::declval<const Spec&>()))>>
    : std::true_type {};
template <class C, class = void>
struct has_mergeable_flag : std::false_type {};
template <class C>
struct has_mergeable_flag<C, std::void_t<decltype(bool{C::mergeable})>> : std::true_type {};
}  // namespace detail

/// Fails compilation with a message naming the missing member.
template <class C>
constexpr bool check_calibrator() {
  static_assert(detail::has_observe<C>::value,
                "qtz calibrator: missing `void observe(const float*, const qtz::Shape&, qtz::Layout, const qtz::Granularity&)`");
  static_assert(detail::has_range<C>::value,
                "qtz calibrator: missing `std::vector<float> lo() const` and `std::vector<float> hi() const`");
  static_assert(detail::has_reset<C>::value, "qtz calibrator: missing `void reset()`");
  static_assert(detail::has_counts<C>::value,
                "qtz calibrator: missing `std::uint64_t finite_count() const` / `nonfinite_count() const`");
  static_assert(detail::has_mergeable_flag<C>::value, "qtz calibrator: missing `static constexpr bool mergeable`");
  static_assert(!detail::mergeable_flag<C>::value || detail::has_merge<C>::value,
                "qtz calibrator: `mergeable` is true but `void merge(const C&)` is missing");
  return true;
}

}  // namespace qtz
