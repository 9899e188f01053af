// Integer formats: which codes exist and how they are stored (docs/quantization.md §2, eq. (5)).
//
// Formats are signed and unsigned 2..8-bit and 16-bit codes. Codes narrower than a byte are stored
// one per byte in the smallest standard integer type that holds them (int8_t / uint8_t); packing
// two 4-bit codes per byte is a separate, explicit step.
#pragma once

#include "qtz/config.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace qtz {

/// Runtime description of an integer format. Construct it through `Format::make` (validated).
struct Format {
  int bits = 8;
  bool is_signed = true;

  /// Throws std::invalid_argument unless bits is 2..8 or 16.
  static Format make(int bits, bool is_signed) {
    if (!((bits >= 2 && bits <= 8) || bits == 16)) {
      throw std::invalid_argument("qtz: format bits = " + std::to_string(bits) +
                                  " does not exist; allowed: 2..8 or 16 (signed or unsigned)");
    }
    return Format{bits, is_signed};
  }
  /// Smallest code of the full range, eq. (5): -2^(b-1) signed, 0 unsigned.
  constexpr std::int32_t qmin() const noexcept {
    return is_signed ? -(std::int32_t{1} << (bits - 1)) : 0;
  }
  /// Largest code of the full range, eq. (5): 2^(b-1)-1 signed, 2^b-1 unsigned.
  constexpr std::int32_t qmax() const noexcept {
    return is_signed ? (std::int32_t{1} << (bits - 1)) - 1 : (std::int32_t{1} << bits) - 1;
  }
  /// "int8", "uint4", "int16", ... (the names the command-line tool and PARAMS.json use).
  std::string name() const { return (is_signed ? "int" : "uint") + std::to_string(bits); }

  /// Parses the names produced by `name()`; throws std::invalid_argument naming the value.
  static Format parse(const std::string& s) {
    const bool u = s.rfind("uint", 0) == 0;
    const bool i = !u && s.rfind("int", 0) == 0;
    const std::string digits = u ? s.substr(4) : (i ? s.substr(3) : std::string());
    bool ok = !digits.empty() && digits.size() <= 2 && digits[0] != '0';
    for (char c : digits) ok = ok && c >= '0' && c <= '9';
    const int b = ok ? std::stoi(digits) : 0;
    if (!ok || !((b >= 2 && b <= 8) || b == 16)) {
      throw std::invalid_argument("qtz: format '" + s +
                                  "' does not exist; allowed: int2..int8, uint2..uint8, int16, uint16");
    }
    return Format{b, !u};
  }

  friend constexpr bool operator==(Format a, Format b) noexcept {
    return a.bits == b.bits && a.is_signed == b.is_signed;
  }
  friend constexpr bool operator!=(Format a, Format b) noexcept { return !(a == b); }
};

/// Compile-time format tags for sub-byte codes: `qtz::Int<4>` is int4 stored in int8_t.
template <int Bits>
struct Int {
  static_assert(Bits >= 2 && Bits <= 8, "qtz::Int<Bits>: Bits must be 2..8 (use std::int16_t for 16)");
};
template <int Bits>
struct UInt {
  static_assert(Bits >= 2 && Bits <= 8, "qtz::UInt<Bits>: Bits must be 2..8 (use std::uint16_t for 16)");
};

/// format_traits<F>: `storage` (the C++ type holding one code), `bits`, `is_signed`, `format()`.
template <class F>
struct format_traits {
  static_assert(sizeof(F) == 0,
                "qtz: not a quantization format; use std::int8_t, std::uint8_t, std::int16_t, "
                "std::uint16_t, qtz::Int<2..8> or qtz::UInt<2..8>");
};

namespace detail {
template <class S, int B, bool Sg>
struct format_traits_base {
  using storage = S;
  static constexpr int bits = B;
  static constexpr bool is_signed = Sg;
  static constexpr Format format() noexcept { return Format{B, Sg}; }
};
}  // namespace detail

template <> struct format_traits<std::int8_t> : detail::format_traits_base<std::int8_t, 8, true> {};
template <> struct format_traits<std::uint8_t> : detail::format_traits_base<std::uint8_t, 8, false> {};
template <> struct format_traits<std::int16_t> : detail::format_traits_base<std::int16_t, 16, true> {};
template <> struct format_traits<std::uint16_t> : detail::format_traits_base<std::uint16_t, 16, false> {};
template <int B> struct format_traits<Int<B>> : detail::format_traits_base<std::int8_t, B, true> {};
template <int B> struct format_traits<UInt<B>> : detail::format_traits_base<std::uint8_t, B, false> {};

/// The storage type of a format tag.
template <class F>
using storage_t = typename format_traits<F>::storage;

/// True for the four C++ types that can hold codes (the kernels are instantiated for these).
template <class S>
inline constexpr bool is_storage_v =
    std::is_same_v<S, std::int8_t> || std::is_same_v<S, std::uint8_t> ||
    std::is_same_v<S, std::int16_t> || std::is_same_v<S, std::uint16_t>;

/// Checks that a storage type can hold every code of `f` (throws std::invalid_argument).
template <class S>
void check_storage_holds(Format f) {
  static_assert(is_storage_v<S>, "qtz: code storage must be int8_t, uint8_t, int16_t or uint16_t");
  const bool ok = std::is_signed_v<S> == f.is_signed && int(sizeof(S)) * 8 >= f.bits;
  if (!ok) {
    throw std::invalid_argument("qtz: output storage of " + std::to_string(sizeof(S) * 8) + "-bit " +
                                (std::is_signed_v<S> ? "signed" : "unsigned") +
                                " integers cannot hold format " + f.name() + "; allowed: " +
                                (f.is_signed ? "signed" : "unsigned") + " storage of at least " +
                                std::to_string(f.bits) + " bits");
  }
}

}  // namespace qtz
