// Curated edge values and a seeded random generator for the spec tests.
//
// Curated: ties k + 0.5 and their float neighbours (std::nextafter), +-0, denormals, FLT_MIN,
// FLT_MAX, +-inf, NaN, powers of two. `ties_in_t(S, ...)` gives x values whose x / S lands on or
// next to a tie, which is where scale operations and rounding policies disagree.
//
// Random: QTZ_TEST_RNG(rng, default_seed) declares a std::mt19937_64 named `rng` seeded with
// default_seed (or with the environment variable QTZ_TEST_SEED when set) and records the seed with
// Catch's INFO, so every failure message says which seed reproduces it.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace qtz_test {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kDenormMin = std::numeric_limits<float>::denorm_min();

/// The seed of a random test: QTZ_TEST_SEED from the environment when set, else `fallback`.
inline std::uint64_t test_seed(std::uint64_t fallback) {
  const char* env = std::getenv("QTZ_TEST_SEED");
  return env && *env ? std::strtoull(env, nullptr, 0) : fallback;
}

/// Bit pattern of a float (to compare results bit for bit, -0 and NaN payloads included).
inline std::uint32_t bits_of(float v) {
  std::uint32_t u = 0;
  std::memcpy(&u, &v, sizeof u);
  return u;
}
inline float float_of_bits(std::uint32_t u) {
  float v = 0;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

/// v and its two float neighbours.
inline void push_with_neighbours(std::vector<float>& out, float v) {
  out.push_back(v);
  out.push_back(std::nextafter(v, -kInf));
  out.push_back(std::nextafter(v, kInf));
}

/// Scale-independent edge values: +-0, denormals, FLT_MIN, FLT_MAX, +-inf, NaN, powers of two
/// 2^-149..2^127 (every `pow2_stride`-th exponent, 2^0 always) of both signs with their neighbours,
/// ties k + 0.5 and integers k for |k| <= max_k with neighbours, and ties at some large k.
inline std::vector<float> curated_values(int pow2_stride = 1, int max_k = 300) {
  std::vector<float> v = {0.0f,         -0.0f,        kDenormMin, -kDenormMin, FLT_MIN / 2, -FLT_MIN / 2,
                          FLT_MIN,      -FLT_MIN,     FLT_MAX,    -FLT_MAX,    kInf,        -kInf,
                          kNaN,         -kNaN,        std::nextafter(FLT_MIN, 0.0f),
                          -std::nextafter(FLT_MIN, 0.0f)};
  for (int e = -149; e <= 127; ++e) {
    if ((e + 149) % pow2_stride != 0 && e != 0) continue;
    const float p = std::ldexp(1.0f, e);
    push_with_neighbours(v, p);
    push_with_neighbours(v, -p);
  }
  for (int k = -max_k; k <= max_k; ++k) {
    push_with_neighbours(v, static_cast<float>(k) + 0.5f);
    v.push_back(static_cast<float>(k));
  }
  for (float k : {1023.0f, 32767.0f, 65535.0f, 131071.0f, 4194303.0f, 8388607.0f}) {
    push_with_neighbours(v, k + 0.5f);
    push_with_neighbours(v, -(k + 0.5f));
  }
  return v;
}

/// x values with x / S on or next to the ties k + 0.5 and the integers k for k in [kmin, kmax]
/// (sampled with `step`), plus the neighbours of each x.
inline std::vector<float> ties_in_t(float scale, std::int32_t kmin, std::int32_t kmax, std::int32_t step = 1) {
  std::vector<float> v;
  for (std::int64_t k = kmin; k <= kmax; k += step) {
    push_with_neighbours(v, static_cast<float>((static_cast<double>(k) + 0.5) * static_cast<double>(scale)));
    push_with_neighbours(v, static_cast<float>(static_cast<double>(k) * static_cast<double>(scale)));
  }
  return v;
}

/// n random floats: half uniform over [lo, hi], a quarter with random bit patterns (every
/// exponent, NaN and inf included), a quarter uniform in [-4, 4] (near zero, many fractions).
template <class Rng>
std::vector<float> random_values(Rng& rng, std::size_t n, double lo, double hi) {
  std::uniform_real_distribution<double> in_range(lo, hi), small(-4.0, 4.0);
  std::uniform_int_distribution<std::uint32_t> any_bits;
  std::vector<float> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (i % 4) {
      case 0:
      case 1: v.push_back(static_cast<float>(in_range(rng))); break;
      case 2: v.push_back(float_of_bits(any_bits(rng))); break;
      default: v.push_back(static_cast<float>(small(rng))); break;
    }
  }
  return v;
}

}  // namespace qtz_test

/// Declares `std::mt19937_64 name` seeded by qtz_test::test_seed(fallback) and INFOs the seed.
#define QTZ_TEST_RNG(name, fallback)                              \
  const std::uint64_t name##_seed = qtz_test::test_seed(fallback); \
  INFO("random seed " << name##_seed << " (set QTZ_TEST_SEED to override)"); \
  std::mt19937_64 name(name##_seed)
