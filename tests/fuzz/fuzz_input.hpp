// A small reader of fuzzer bytes (FuzzedDataProvider-like, but portable to g++ for the replay
// builds): integers and floats from the front, and "the rest" as floats. Running out of bytes
// yields zeros, never an error, so every input is a valid test case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace qtz_fuzz {

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}

  std::uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(u8()) << (8 * k);
    return v;
  }
  std::uint64_t u64() { return u32() | (static_cast<std::uint64_t>(u32()) << 32); }
  /// An integer in [lo, hi] (inclusive; hi - lo < 256).
  int range(int lo, int hi) { return lo + static_cast<int>(u8() % static_cast<unsigned>(hi - lo + 1)); }
  bool flag() { return (u8() & 1u) != 0; }
  /// Any float bit pattern: NaN, inf, denormals, -0 included.
  float f32() {
    const std::uint32_t u = u32();
    float v = 0;
    std::memcpy(&v, &u, 4);
    return v;
  }
  std::size_t remaining() const { return n_ - i_; }
  /// The remaining bytes as floats (a trailing partial float is dropped).
  std::vector<float> rest_as_floats() {
    std::vector<float> v(remaining() / 4);
    for (float& f : v) f = f32();
    i_ = n_;
    return v;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t i_ = 0;
};

}  // namespace qtz_fuzz
