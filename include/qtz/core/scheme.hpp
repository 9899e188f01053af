// Quantization schemes (docs/quantization.md §2) and compatibility profiles (§3) as enums, plus
// the policy tags the Quantizer template takes.
#pragma once

#include "qtz/config.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace qtz {

/// How the range [lo, hi] is mapped onto codes.
enum class Scheme : std::uint8_t {
  symmetric_full,        ///< S = 2m / (2^b - 1), all 2^b codes, eq. (7)
  symmetric_restricted,  ///< S = m / (2^(b-1) - 1), the most negative code unused, eq. (8)
  asymmetric,            ///< S = (beta - alpha) / (2^b - 1), zero point Z, eq. (9)
};

/// Whose rules choose S and Z and how quantize/dequantize evaluate (docs/quantization.md §3).
enum class Compat : std::uint8_t { qtz, onnx, pytorch, tensorrt };

inline const char* to_string(Scheme s) noexcept {
  switch (s) {
    case Scheme::symmetric_full: return "symmetric";
    case Scheme::symmetric_restricted: return "symmetric-restricted";
    case Scheme::asymmetric: return "asymmetric";
  }
  return "?";
}
inline const char* to_string(Compat c) noexcept {
  switch (c) {
    case Compat::qtz: return "qtz";
    case Compat::onnx: return "onnx";
    case Compat::pytorch: return "pytorch";
    case Compat::tensorrt: return "tensorrt";
  }
  return "?";
}
inline Scheme parse_scheme(const std::string& s) {
  if (s == "symmetric") return Scheme::symmetric_full;
  if (s == "symmetric-restricted") return Scheme::symmetric_restricted;
  if (s == "asymmetric") return Scheme::asymmetric;
  throw std::invalid_argument("qtz: scheme '" + s +
                              "' does not exist; allowed: symmetric, symmetric-restricted, asymmetric");
}
inline Compat parse_compat(const std::string& s) {
  if (s == "qtz") return Compat::qtz;
  if (s == "onnx") return Compat::onnx;
  if (s == "pytorch") return Compat::pytorch;
  if (s == "tensorrt") return Compat::tensorrt;
  throw std::invalid_argument("qtz: compat profile '" + s + "' does not exist; allowed: qtz, onnx, pytorch, tensorrt");
}

/// Scheme policy tags.
struct SymmetricFull {
  static constexpr Scheme value = Scheme::symmetric_full;
};
struct SymmetricRestricted {
  static constexpr Scheme value = Scheme::symmetric_restricted;
};
struct Asymmetric {
  static constexpr Scheme value = Scheme::asymmetric;
};

/// Profile policy tags.
namespace compat {
struct Qtz {
  static constexpr Compat value = Compat::qtz;
};
struct Onnx {
  static constexpr Compat value = Compat::onnx;
};
struct PyTorch {
  static constexpr Compat value = Compat::pytorch;
};
struct TensorRT {
  static constexpr Compat value = Compat::tensorrt;
};
}  // namespace compat

}  // namespace qtz
