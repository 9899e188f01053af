// Test data shared by the calibrator tests, bit-identical to tests/data/gen_calib_*.py (see the
// docstring of gen_calib_tensorrt.py): integer-built Gaussian / ReLU / Student-t(3) / outlier data,
// every value computed with correctly rounded double operations only, then rounded to float.
// Also a reader for the generators' line-oriented vector files.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace calib_test {

inline std::vector<std::uint64_t> splitmix(std::uint64_t seed, std::size_t n) {
  std::vector<std::uint64_t> out(n);
  std::uint64_t s = seed;
  for (std::size_t k = 0; k < n; ++k) {
    s += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    out[k] = z ^ (z >> 31);
  }
  return out;
}
inline std::vector<std::int64_t> u24(std::uint64_t seed, std::size_t n) {
  const std::vector<std::uint64_t> z = splitmix(seed, n);
  std::vector<std::int64_t> u(n);
  for (std::size_t k = 0; k < n; ++k) u[k] = static_cast<std::int64_t>(z[k] >> 40);
  return u;
}
inline std::vector<std::int64_t> irwin(std::uint64_t seed, std::size_t n) {
  const std::vector<std::int64_t> u = u24(seed, 12 * n);
  std::vector<std::int64_t> K(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::int64_t s = 0;
    for (std::size_t j = 0; j < 12; ++j) s += u[12 * k + j];
    K[k] = s - 6 * (std::int64_t{1} << 24);
  }
  return K;
}

/// kind: "gauss", "relu", "student", "outliers" (float64 values before scaling).
inline std::vector<double> dataset(const std::string& kind, std::uint64_t seed, std::size_t n) {
  const std::vector<std::int64_t> K0 = irwin(seed, n);
  const double two24 = 16777216.0, two48 = 281474976710656.0;
  std::vector<double> x(n);
  for (std::size_t k = 0; k < n; ++k) x[k] = static_cast<double>(K0[k]) / two24;
  if (kind == "relu") {
    for (auto& v : x) v = v > 0.0 ? v : 0.0;
  } else if (kind == "student") {
    const auto K1 = irwin(seed + 1, n), K2 = irwin(seed + 2, n), K3 = irwin(seed + 3, n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::int64_t S = K1[k] * K1[k] + K2[k] * K2[k] + K3[k] * K3[k];  // exact in int64
      x[k] = x[k] / std::sqrt((static_cast<double>(S) / two48) / 3.0);
    }
  } else if (kind == "outliers") {
    const auto u = u24(seed + 7, n);
    for (std::size_t k = 0; k < n; k += 500) x[k] = (80.0 * static_cast<double>(u[k])) / two24 - 40.0;
  } else if (kind != "gauss") {
    throw std::invalid_argument("unknown data kind " + kind);
  }
  return x;
}

/// Batch b of a data set as the generators make it: seed + 100 b, scaled by scales[b], to float32.
inline std::vector<float> batch(const std::string& kind, std::uint64_t seed, std::size_t b, double scale,
                                std::size_t n) {
  const std::vector<double> x = dataset(kind, seed + 100 * b, n);
  std::vector<float> f(n);
  for (std::size_t k = 0; k < n; ++k) f[k] = static_cast<float>(x[k] * scale);
  return f;
}

/// A generator output: a list of cases, each a map from the line's first word to its lines' words.
struct Case {
  std::vector<std::string> header;
  std::multimap<std::string, std::vector<std::string>> lines;
  const std::vector<std::string>& get(const std::string& key) const {
    auto it = lines.find(key);
    if (it == lines.end()) throw std::runtime_error("vector file: case lacks '" + key + "'");
    return it->second;
  }
};
inline std::vector<Case> read_cases(const std::string& file) {
  std::ifstream in(std::string(QTZ_TEST_DATA_DIR) + "/" + file);
  if (!in) throw std::runtime_error("cannot open " + file + "; run its generator in tests/data/");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream is(line);
    std::string key, w;
    is >> key;
    std::vector<std::string> words;
    while (is >> w) words.push_back(w);
    if (key == "case") {
      cases.push_back(Case{words, {}});
    } else if (!cases.empty() && !key.empty()) {
      cases.back().lines.emplace(key, words);
    }
  }
  return cases;
}
inline float hexf(const std::string& s) { return static_cast<float>(std::strtod(s.c_str(), nullptr)); }
/// "bin:count" words into a dense vector of at least n entries.
inline std::vector<std::uint64_t> dense_counts(const std::vector<std::string>& words, std::size_t n) {
  std::vector<std::uint64_t> c(n, 0);
  for (const auto& w : words) {
    const auto colon = w.find(':');
    const auto bin = static_cast<std::size_t>(std::stoull(w.substr(0, colon)));
    if (bin >= c.size()) c.resize(bin + 1, 0);
    c[bin] = std::stoull(w.substr(colon + 1));
  }
  return c;
}

}  // namespace calib_test
