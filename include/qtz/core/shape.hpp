// Shapes, memory layouts, granularities, and the canonical [outer, C, inner] view that every
// kernel call is expressed in (docs/quantization.md §5).
#pragma once

#include "qtz/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace qtz {

/// Memory order of a dense tensor: row-major (last index fastest) or column-major (first fastest).
enum class Layout : std::uint8_t { row_major, col_major };

/// A tensor shape of rank 0..8 in logical order (the order Eigen's dimensions() reports).
class Shape {
 public:
  static constexpr int max_rank = 8;
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) { assign(dims.begin(), dims.end()); }
  template <class It>
  Shape(It first, It last) { assign(first, last); }
  explicit Shape(const std::vector<std::int64_t>& dims) { assign(dims.begin(), dims.end()); }

  int rank() const noexcept { return rank_; }
  std::int64_t operator[](int i) const noexcept { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t& operator[](int i) noexcept { return dims_[static_cast<std::size_t>(i)]; }
  /// Number of elements (1 for rank 0).
  std::size_t size() const noexcept {
    std::size_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= static_cast<std::size_t>(dims_[static_cast<std::size_t>(i)]);
    return n;
  }
  std::vector<std::int64_t> to_vector() const {
    return std::vector<std::int64_t>(dims_.begin(), dims_.begin() + rank_);
  }
  std::string str() const {
    std::string s = "[";
    for (int i = 0; i < rank_; ++i) s += (i ? ", " : "") + std::to_string((*this)[i]);
    return s + "]";
  }
  friend bool operator==(const Shape& a, const Shape& b) noexcept {
    if (a.rank_ != b.rank_) return false;
    for (int i = 0; i < a.rank_; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  friend bool operator!=(const Shape& a, const Shape& b) noexcept { return !(a == b); }

 private:
  template <class It>
  void assign(It first, It last) {
    rank_ = 0;
    for (; first != last; ++first) {
      if (rank_ == max_rank) {
        throw std::invalid_argument("qtz: shape rank = " + std::to_string(std::distance(first, last) + rank_) +
                                    " is invalid; allowed: 0.." + std::to_string(max_rank));
      }
      const auto d = static_cast<std::int64_t>(*first);
      if (d < 0) throw std::invalid_argument("qtz: shape dimension " + std::to_string(d) + " is negative");
      dims_[static_cast<std::size_t>(rank_++)] = d;
    }
  }
  std::array<std::int64_t, max_rank> dims_{};
  int rank_ = 0;
};

/// Normalises a possibly negative axis into [0, rank); throws std::invalid_argument naming it.
inline int normalize_axis(int axis, int rank) {
  if (rank == 0 || axis < -rank || axis >= rank) {
    throw std::invalid_argument("qtz: axis = " + std::to_string(axis) + " is out of range for a rank-" +
                                std::to_string(rank) + " tensor; allowed: [" + std::to_string(-rank) +
                                ", " + std::to_string(rank - 1) + "]");
  }
  return axis < 0 ? axis + rank : axis;
}

/// Granularity as runtime data: per tensor, per channel along `axis`, or per group of
/// `block_size` consecutive elements along `axis` (ONNX QuantizeLinear block layout).
struct Granularity {
  enum class Kind : std::uint8_t { tensor, channel, group };
  Kind kind = Kind::tensor;
  int axis = 0;                 ///< may be negative until normalised against a shape
  std::int64_t block_size = 0;  ///< group size G (per group only)

  static Granularity tensor() noexcept { return Granularity{}; }
  static Granularity channel(int axis) noexcept { return Granularity{Kind::channel, axis, 0}; }
  /// Throws std::invalid_argument for block_size < 1.
  static Granularity group(int axis, std::int64_t block_size) {
    if (block_size < 1) {
      throw std::invalid_argument("qtz: group size (block_size) = " + std::to_string(block_size) +
                                  " is invalid; allowed: >= 1");
    }
    return Granularity{Kind::group, axis, block_size};
  }
};

/// Policy tags for the Quantizer template; each converts to a runtime Granularity.
struct PerTensor {
  Granularity granularity() const noexcept { return Granularity::tensor(); }
};
struct PerChannel {
  int axis = 0;
  Granularity granularity() const noexcept { return Granularity::channel(axis); }
};
struct PerGroup {
  int axis = -1;
  std::int64_t size = 32;
  Granularity granularity() const { return Granularity::group(axis, size); }
};

/// The tensor seen in memory order as [outer, C, inner], C the length of the quantization axis
/// (eq. (11)). Per tensor: C = N, outer = inner = 1.
struct CanonicalView {
  std::size_t outer = 1, channels = 1, inner = 1;
  std::size_t blocks = 1;      ///< ceil(C / G) for per group, C for per channel, 1 per tensor
  std::size_t block_size = 0;  ///< G for per group
  Granularity::Kind kind = Granularity::Kind::tensor;
  int axis = -1;  ///< normalised logical axis, -1 per tensor
};

inline CanonicalView canonical_view(const Shape& shape, Layout layout, const Granularity& g) {
  CanonicalView v;
  v.kind = g.kind;
  if (g.kind == Granularity::Kind::tensor) {
    v.channels = shape.size();
    return v;
  }
  if (g.kind == Granularity::Kind::group && g.block_size < 1) {
    throw std::invalid_argument("qtz: group size (block_size) = " + std::to_string(g.block_size) +
                                " is invalid; allowed: >= 1");
  }
  v.axis = normalize_axis(g.axis, shape.rank());
  const int r = shape.rank();
  const int pos = layout == Layout::row_major ? v.axis : r - 1 - v.axis;  // position in memory order
  for (int m = 0; m < r; ++m) {
    const int logical = layout == Layout::row_major ? m : r - 1 - m;
    const auto d = static_cast<std::size_t>(shape[logical]);
    if (m < pos) v.outer *= d;
    else if (m > pos) v.inner *= d;
    else v.channels = d;
  }
  if (g.kind == Granularity::Kind::channel) {
    v.blocks = v.channels;
  } else {
    v.block_size = static_cast<std::size_t>(g.block_size);
    v.blocks = v.channels == 0 ? 0 : (v.channels + v.block_size - 1) / v.block_size;
  }
  return v;
}

/// The ONNX scale-tensor shape for a granularity (eq. (12)): [] per tensor, [C] per channel, the
/// input shape with the axis dimension replaced by ceil(D / G) per group.
inline std::vector<std::int64_t> scale_shape(const Shape& shape, const Granularity& g) {
  if (g.kind == Granularity::Kind::tensor) return {};
  const int a = normalize_axis(g.axis, shape.rank());
  if (g.kind == Granularity::Kind::channel) return {shape[a]};
  if (g.block_size < 1) {
    throw std::invalid_argument("qtz: group size (block_size) = " + std::to_string(g.block_size) +
                                " is invalid; allowed: >= 1");
  }
  std::vector<std::int64_t> s = shape.to_vector();
  s[static_cast<std::size_t>(a)] = (shape[a] + g.block_size - 1) / g.block_size;
  return s;
}

/// Number of elements of a scale tensor of the given shape.
inline std::size_t element_count(const std::vector<std::int64_t>& dims) {
  std::size_t n = 1;
  for (auto d : dims) n *= static_cast<std::size_t>(d);
  return n;
}

namespace detail {
/// Reorders a per-group parameter array from logical row-major order into the memory order of a
/// tensor with shape `dims` stored in `layout` (identity for row-major).
template <class T>
std::vector<T> row_major_to_memory_order(const std::vector<T>& rm, const std::vector<std::int64_t>& dims,
                                         Layout layout) {
  if (layout == Layout::row_major || dims.size() < 2) return rm;
  std::vector<T> mem(rm.size());
  const std::size_t r = dims.size();
  std::vector<std::int64_t> idx(r, 0);
  for (std::size_t k = 0; k < rm.size(); ++k) {  // k walks row-major order (odometer on idx)
    std::size_t cm = 0;
    for (std::size_t d = r; d-- > 0;) cm = cm * static_cast<std::size_t>(dims[d]) + static_cast<std::size_t>(idx[d]);
    mem[cm] = rm[k];
    for (std::size_t d = r; d-- > 0;) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return mem;
}

/// Maps a memory offset of a column-major tensor to its logical row-major index.
inline std::uint64_t col_major_to_row_major_index(std::size_t m, const Shape& s) {
  std::uint64_t rm = 0;
  std::array<std::size_t, Shape::max_rank> idx{};
  for (int d = 0; d < s.rank(); ++d) {
    const auto n = static_cast<std::size_t>(s[d]);
    idx[static_cast<std::size_t>(d)] = m % n;
    m /= n;
  }
  for (int d = 0; d < s.rank(); ++d) rm = rm * static_cast<std::uint64_t>(s[d]) + idx[static_cast<std::size_t>(d)];
  return rm;
}
}  // namespace detail

}  // namespace qtz
