// digits_demo: quantization end to end on real data (README quick start).
//
// Trains a 64-32-10 MLP on the UCI handwritten digits (examples/data/digits.csv, CC BY 4.0, see
// examples/data/README.md), then quantizes its weights per tensor / per channel / per group at 8,
// 4, 3 and 2 bits, calibrates the activations with every calibrator, and runs
//   - true integer-only inference for the 8-bit per-tensor and per-channel rows: int8 activations ×
//     int8 weights → int32 accumulators (+ int32 bias at S_in·S_w), requantized with a fixed-point
//     multiplier (qtz/requant/requantize.hpp), ReLU fused into the clamp;
//   - fake-quantized inference for the others.
// Prints a table (accuracy, predictions flipped vs float, weight SQNR, logits SQNR, model bytes), an
// ASCII histogram of the hidden activation with each calibrator's threshold, and the ISA that ran.
//
//   digits_demo [--data digits.csv] [--json OUT.json|-] [--svg OUT.svg]
//
// Reproducibility: training runs in double with plain loops in a fixed order, this file is compiled
// with -ffp-contract=off (no FMA contraction), and exp() is computed here from + − × only, so the
// float model — and from it every integer-only row — is the same on every machine.
#include <qtz/qtz.hpp>
#include <qtz/calib/minmax.hpp>
#include <qtz/requant/requantize.hpp>

#if __has_include(<qtz/calib/percentile.hpp>)
#include <qtz/calib/percentile.hpp>
#define DEMO_HAS_PERCENTILE 1
#endif
#if __has_include(<qtz/calib/entropy.hpp>)
#include <qtz/calib/entropy.hpp>
#define DEMO_HAS_ENTROPY 1
#endif
#if __has_include(<qtz/calib/mse.hpp>)
#include <qtz/calib/mse.hpp>
#define DEMO_HAS_MSE 1
#endif
#if __has_include(<qtz/calib/moving_average.hpp>)
#include <qtz/calib/moving_average.hpp>
#define DEMO_HAS_EMA 1
#endif
#if __has_include(<qtz/dispatch/dispatch.hpp>)
#include <qtz/dispatch/dispatch.hpp>
#define DEMO_HAS_DISPATCH 1
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef QTZ_DIGITS_CSV
#define QTZ_DIGITS_CSV "examples/data/digits.csv"
#endif

namespace {

constexpr int n_in = 64, n_hidden = 32, n_out = 10;

// ---------------------------------------------------------------------------------------------
// Data.

struct Dataset {
  std::vector<float> x;  // [n, 64], pixels / 16
  std::vector<int> y;
  std::size_t n() const { return y.size(); }
};

Dataset load_digits(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open '" + path + "' (pass --data PATH to examples/data/digits.csv)");
  Dataset d;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::vector<int> v;
    std::stringstream ss(line);
    std::string tok;
    while (std::getline(ss, tok, ',')) v.push_back(std::stoi(tok));
    if (v.size() != 65 || v[64] < 0 || v[64] > 9) throw std::runtime_error("malformed line in '" + path + "'");
    for (int k = 0; k < 64; ++k) {
      if (v[static_cast<std::size_t>(k)] < 0 || v[static_cast<std::size_t>(k)] > 16)
        throw std::runtime_error("pixel out of range in '" + path + "'");
      d.x.push_back(static_cast<float>(v[static_cast<std::size_t>(k)]) / 16.0f);
    }
    d.y.push_back(v[64]);
  }
  if (d.n() != 1797) throw std::runtime_error("'" + path + "' should have 1797 rows");
  return d;
}

/// SplitMix64: a tiny generator whose output is the same on every platform.
struct SplitMix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

// ---------------------------------------------------------------------------------------------
// The float model.

/// exp(x) for x <= 0 from + − × only (range reduction by ln 2, degree-13 Taylor), so training does
/// not depend on the platform's libm.
double exp_det(double x) {
  if (x < -700.0) return 0.0;
  const double ln2_hi = 0.693145751953125, ln2_lo = 1.42860682030941723212e-6;
  const double k = std::floor(x * 1.4426950408889634 + 0.5);
  const double r = (x - k * ln2_hi) - k * ln2_lo;  // |r| <= ~0.35
  double p = 1.0;
  for (int i = 13; i >= 1; --i) p = 1.0 + p * r / i;
  return std::ldexp(p, static_cast<int>(k));
}

struct Mlp {
  std::vector<float> w1, b1, w2, b2;  // w1 [32, 64], w2 [10, 32], row = output neuron
};

Mlp train(const Dataset& d, const std::vector<std::size_t>& train_idx) {
  SplitMix rng{20240611};
  std::vector<double> w1(n_hidden * n_in), b1(n_hidden, 0.0), w2(n_out * n_hidden), b2(n_out, 0.0);
  const double a1 = std::sqrt(6.0 / (n_in + n_hidden)), a2 = std::sqrt(6.0 / (n_hidden + n_out));
  for (auto& w : w1) w = (2.0 * rng.uniform() - 1.0) * a1;
  for (auto& w : w2) w = (2.0 * rng.uniform() - 1.0) * a2;
  std::vector<std::size_t> order = train_idx;
  std::vector<double> h(n_hidden), z(n_out), p(n_out), dh(n_hidden);
  const int epochs = 40;
  for (int e = 0; e < epochs; ++e) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);  // Fisher–Yates
    const double lr = 0.05 / (1.0 + 0.1 * e);
    for (std::size_t s : order) {
      const float* x = &d.x[s * n_in];
      for (int j = 0; j < n_hidden; ++j) {
        double acc = b1[static_cast<std::size_t>(j)];
        for (int k = 0; k < n_in; ++k) acc += w1[static_cast<std::size_t>(j * n_in + k)] * x[k];
        h[static_cast<std::size_t>(j)] = acc > 0.0 ? acc : 0.0;
      }
      double zmax = -1e300;
      for (int o = 0; o < n_out; ++o) {
        double acc = b2[static_cast<std::size_t>(o)];
        for (int j = 0; j < n_hidden; ++j) acc += w2[static_cast<std::size_t>(o * n_hidden + j)] * h[static_cast<std::size_t>(j)];
        z[static_cast<std::size_t>(o)] = acc;
        zmax = std::max(zmax, acc);
      }
      double sum = 0.0;
      for (int o = 0; o < n_out; ++o) sum += (p[static_cast<std::size_t>(o)] = exp_det(z[static_cast<std::size_t>(o)] - zmax));
      for (int o = 0; o < n_out; ++o) p[static_cast<std::size_t>(o)] /= sum;
      p[static_cast<std::size_t>(d.y[s])] -= 1.0;  // dL/dz of softmax cross-entropy
      for (int j = 0; j < n_hidden; ++j) {
        double g = 0.0;
        for (int o = 0; o < n_out; ++o) g += w2[static_cast<std::size_t>(o * n_hidden + j)] * p[static_cast<std::size_t>(o)];
        dh[static_cast<std::size_t>(j)] = h[static_cast<std::size_t>(j)] > 0.0 ? g : 0.0;
      }
      for (int o = 0; o < n_out; ++o) {
        const double g = lr * p[static_cast<std::size_t>(o)];
        for (int j = 0; j < n_hidden; ++j) w2[static_cast<std::size_t>(o * n_hidden + j)] -= g * h[static_cast<std::size_t>(j)];
        b2[static_cast<std::size_t>(o)] -= g;
      }
      for (int j = 0; j < n_hidden; ++j) {
        const double g = lr * dh[static_cast<std::size_t>(j)];
        if (g == 0.0) continue;
        for (int k = 0; k < n_in; ++k) w1[static_cast<std::size_t>(j * n_in + k)] -= g * x[k];
        b1[static_cast<std::size_t>(j)] -= g;
      }
    }
  }
  Mlp m;
  const auto to_f = [](const std::vector<double>& v) {
    std::vector<float> r;
    for (double a : v) r.push_back(static_cast<float>(a));
    return r;
  };
  m.w1 = to_f(w1);
  m.b1 = to_f(b1);
  m.w2 = to_f(w2);
  m.b2 = to_f(b2);
  return m;
}

/// out[r, o] = b[o] + Σ_k w[o, k] x[r, k], accumulated in double in index order.
std::vector<float> dense(const std::vector<float>& x, std::size_t rows, int in, const std::vector<float>& w,
                         const std::vector<float>& b, int out, bool relu) {
  std::vector<float> y(rows * static_cast<std::size_t>(out));
  for (std::size_t r = 0; r < rows; ++r) {
    for (int o = 0; o < out; ++o) {
      double acc = b[static_cast<std::size_t>(o)];
      for (int k = 0; k < in; ++k)
        acc += static_cast<double>(w[static_cast<std::size_t>(o * in + k)]) * x[r * static_cast<std::size_t>(in) + static_cast<std::size_t>(k)];
      const auto v = static_cast<float>(acc);
      y[r * static_cast<std::size_t>(out) + static_cast<std::size_t>(o)] = relu && v < 0.0f ? 0.0f : v;
    }
  }
  return y;
}

template <class T>
std::vector<int> argmax_rows(const std::vector<T>& z, std::size_t rows) {
  std::vector<int> r(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    int best = 0;
    for (int o = 1; o < n_out; ++o)
      if (z[i * n_out + static_cast<std::size_t>(o)] > z[i * n_out + static_cast<std::size_t>(best)]) best = o;
    r[i] = best;
  }
  return r;
}

std::vector<float> gather(const Dataset& d, const std::vector<std::size_t>& idx) {
  std::vector<float> x;
  for (std::size_t s : idx) x.insert(x.end(), d.x.begin() + static_cast<std::ptrdiff_t>(s * n_in),
                                     d.x.begin() + static_cast<std::ptrdiff_t>((s + 1) * n_in));
  return x;
}

// ---------------------------------------------------------------------------------------------
// Calibrators: name -> a function that calibrates a [rows, cols] activation stream per tensor.

using RangeFn = std::function<std::pair<float, float>(const std::vector<float>&, std::size_t rows, std::size_t cols,
                                                      const qtz::QuantSpec&)>;

template <class C>
std::pair<float, float> calibrate_stream(C c, const std::vector<float>& a, std::size_t rows, std::size_t cols,
                                         const qtz::QuantSpec& spec) {
  if constexpr (!std::is_same_v<C, qtz::MinMax>
#ifdef DEMO_HAS_EMA
                && !std::is_same_v<C, qtz::MovingAverageMinMax>
#endif
  )
    c.configure(spec);
  const std::size_t batch = 128;  // the activations arrive as a stream of batches
  for (std::size_t r = 0; r < rows; r += batch) {
    const std::size_t n = std::min(batch, rows - r);
    c.observe(a.data() + r * cols, qtz::Shape{static_cast<std::int64_t>(n), static_cast<std::int64_t>(cols)},
              qtz::Layout::row_major, qtz::Granularity::tensor());
  }
  return {c.lo()[0], c.hi()[0]};
}

struct CalibratorDef {
  std::string name;
  char mark;
  RangeFn range;
};

std::vector<CalibratorDef> calibrators() {
  std::vector<CalibratorDef> v;
  v.push_back({"minmax", 'M', [](auto& a, auto r, auto c, auto& s) { return calibrate_stream(qtz::MinMax{}, a, r, c, s); }});
#ifdef DEMO_HAS_EMA
  v.push_back({"ema:0.01", 'A', [](auto& a, auto r, auto c, auto& s) {
                 return calibrate_stream(qtz::MovingAverageMinMax(0.01f), a, r, c, s);
               }});
#endif
#ifdef DEMO_HAS_PERCENTILE
  v.push_back({"percentile:99.99", 'P', [](auto& a, auto r, auto c, auto& s) {
                 return calibrate_stream(qtz::Percentile(99.99), a, r, c, s);
               }});
#endif
#ifdef DEMO_HAS_ENTROPY
  v.push_back({"entropy", 'E', [](auto& a, auto r, auto c, auto& s) { return calibrate_stream(qtz::Entropy{}, a, r, c, s); }});
#endif
#ifdef DEMO_HAS_MSE
  v.push_back({"mse", 'S', [](auto& a, auto r, auto c, auto& s) { return calibrate_stream(qtz::Mse{}, a, r, c, s); }});
#endif
  return v;
}

// ---------------------------------------------------------------------------------------------
// Quantized models.

struct QuantLayer {
  qtz::QuantParams p;
  std::vector<std::int8_t> codes;
  std::vector<float> w_hat;
};

QuantLayer quantize_weights(const std::vector<float>& w, int out, int in, int bits, const std::string& gran) {
  qtz::QuantSpec spec;
  spec.format = qtz::Format::make(bits, true);
  spec.scheme = qtz::Scheme::symmetric_restricted;  // Z = 0: the int8 × int8 product needs no weight zero point
  const qtz::Shape shape{out, in};
  const qtz::Granularity g = gran == "tensor" ? qtz::Granularity::tensor()
                             : gran == "channel" ? qtz::Granularity::channel(0)
                                                 : qtz::Granularity::group(1, 16);
  qtz::MinMax mm;
  mm.observe(w.data(), shape, qtz::Layout::row_major, g);
  QuantLayer l;
  l.p = qtz::make_params(mm.lo(), mm.hi(), spec, g, shape);
  l.codes.resize(w.size());
  l.w_hat.resize(w.size());
  qtz::quantize(w.data(), l.codes.data(), shape, l.p);
  qtz::dequantize(l.codes.data(), l.w_hat.data(), shape, l.p);
  return l;
}

qtz::QuantParams activation_params(std::pair<float, float> range) {
  qtz::QuantSpec spec;  // int8 asymmetric, the qtz profile
  return qtz::make_params({range.first}, {range.second}, spec, qtz::Granularity::tensor(), qtz::Shape{1});
}

std::vector<float> fake_quant(const std::vector<float>& x, const qtz::QuantParams& p1) {
  std::vector<float> y(x.size());
  qtz::QuantParams p = p1;
  qtz::fake_quantize(x.data(), y.data(), qtz::Shape{static_cast<std::int64_t>(x.size())}, p);
  return y;
}

struct IntResult {
  std::vector<std::int8_t> logits_q;
  std::vector<float> logits;
};

/// One integer-only dense layer: q_out = clamp(Z_out + M·(Σ q_w (q_x − Z_in) + q_b)).
std::vector<std::int8_t> int_dense(const std::vector<std::int8_t>& qx, std::size_t rows, int in, std::int32_t z_in,
                                   float s_in, const QuantLayer& w, const std::vector<float>& bias, int out,
                                   const qtz::QuantParams& p_out, bool relu) {
  const bool per_channel = w.p.count() > 1;
  std::vector<std::int32_t> qb(static_cast<std::size_t>(out));
  qtz::quantize_bias(bias.data(), qb.data(), qb.size(), s_in, w.p.scale.data(), per_channel);
  std::vector<qtz::FixedPointMultiplier> m(static_cast<std::size_t>(out));
  for (int o = 0; o < out; ++o)
    m[static_cast<std::size_t>(o)] =
        qtz::multiplier_from_scales(s_in, w.p.scale[per_channel ? static_cast<std::size_t>(o) : 0], p_out.scale[0]);
  std::vector<std::int32_t> acc(rows * static_cast<std::size_t>(out));
  for (std::size_t r = 0; r < rows; ++r) {
    for (int o = 0; o < out; ++o) {
      std::int32_t a = qb[static_cast<std::size_t>(o)];
      for (int k = 0; k < in; ++k)
        a += static_cast<std::int32_t>(w.codes[static_cast<std::size_t>(o * in + k)]) *
             (static_cast<std::int32_t>(qx[r * static_cast<std::size_t>(in) + static_cast<std::size_t>(k)]) - z_in);
      acc[r * static_cast<std::size_t>(out) + static_cast<std::size_t>(o)] = a;
    }
  }
  std::vector<std::int8_t> q(acc.size());
  const std::int32_t z_out = p_out.zero_point[0];
  qtz::requantize(acc.data(), q.data(), rows, static_cast<std::size_t>(out), m.data(), z_out, relu ? std::max(z_out, -128) : -128, 127);
  return q;
}

struct Row {
  std::string weights, activations, granularity, calibrator;
  int bits = 8;
  bool integer_only = false;
  double accuracy = 0, weight_sqnr = 0, logits_sqnr = 0;
  int flipped = 0;
  std::size_t model_bytes = 0;
};

double sqnr(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0, n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    s += static_cast<double>(a[i]) * a[i];
    const double d = static_cast<double>(b[i]) - a[i];
    n += d * d;
  }
  return n == 0 ? 999.0 : 10.0 * std::log10(s / n);
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) o += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return o;
}

std::string fixed(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

int run(int argc, char** argv) {
  std::string data = QTZ_DIGITS_CSV, json_path, svg_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--data" || a == "--json" || a == "--svg") && i + 1 < argc) {
      (a == "--data" ? data : a == "--json" ? json_path : svg_path) = argv[++i];
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: digits_demo [--data digits.csv] [--json OUT.json|-] [--svg OUT.svg]\n");
      return 0;
    } else {
      std::fprintf(stderr, "digits_demo: unknown argument '%s' (see --help)\n", a.c_str());
      return 2;
    }
  }
  const bool quiet = json_path == "-";
  const Dataset d = load_digits(data);

  // Fixed split: 1347 training, 450 test images.
  std::vector<std::size_t> idx(d.n());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  SplitMix split{7};
  for (std::size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[split.below(i)]);
  const std::vector<std::size_t> tr(idx.begin(), idx.begin() + 1347), te(idx.begin() + 1347, idx.end());
  const Mlp m = train(d, tr);

  const std::vector<float> xtr = gather(d, tr), xte = gather(d, te);
  std::vector<int> yte;
  for (std::size_t s : te) yte.push_back(d.y[s]);
  const std::size_t ntr = tr.size(), nte = te.size();
  const std::vector<float> htr = dense(xtr, ntr, n_in, m.w1, m.b1, n_hidden, true);
  const std::vector<float> ztr = dense(htr, ntr, n_hidden, m.w2, m.b2, n_out, false);
  const std::vector<float> hte = dense(xte, nte, n_in, m.w1, m.b1, n_hidden, true);
  const std::vector<float> zte = dense(hte, nte, n_hidden, m.w2, m.b2, n_out, false);
  const std::vector<int> pred_f = argmax_rows(zte, nte);
  const auto accuracy = [&](const std::vector<int>& p) {
    int ok = 0;
    for (std::size_t i = 0; i < p.size(); ++i) ok += p[i] == yte[i];
    return 100.0 * ok / static_cast<double>(p.size());
  };
  const auto flips = [&](const std::vector<int>& p) {
    int f = 0;
    for (std::size_t i = 0; i < p.size(); ++i) f += p[i] != pred_f[i];
    return f;
  };
  const double float_acc = accuracy(pred_f);
  const std::size_t float_bytes = 4 * (m.w1.size() + m.b1.size() + m.w2.size() + m.b2.size());

  // Activation ranges of every calibrator on the training set: input, hidden (post-ReLU), logits.
  const std::vector<CalibratorDef> cals = calibrators();
  const qtz::QuantSpec act_spec;  // int8 asymmetric
  struct ActParams {
    qtz::QuantParams in, hidden, logits;
    std::pair<float, float> hidden_range;
  };
  std::vector<ActParams> acts;
  for (const auto& c : cals) {
    ActParams a;
    a.in = activation_params(c.range(xtr, ntr, n_in, act_spec));
    a.hidden_range = c.range(htr, ntr, n_hidden, act_spec);
    a.hidden = activation_params(a.hidden_range);
    a.logits = activation_params(c.range(ztr, ntr, n_out, act_spec));
    acts.push_back(a);
  }

  std::vector<Row> rows;
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a over the integer-only outputs and weight codes
  const auto mix = [&](std::int64_t v) {
    hash ^= static_cast<std::uint64_t>(v) & 0xffu;
    hash *= 1099511628211ull;
  };
  const auto evaluate = [&](int bits, const std::string& gran, std::size_t ci) {
    const QuantLayer l1 = quantize_weights(m.w1, n_hidden, n_in, bits, gran);
    const QuantLayer l2 = quantize_weights(m.w2, n_out, n_hidden, bits, gran);
    const ActParams& a = acts[ci];
    Row r;
    r.weights = "int" + std::to_string(bits) + " symmetric-restricted";
    r.activations = "int8 asymmetric";
    r.bits = bits;
    r.granularity = gran == "group" ? "group:16" : gran;
    r.calibrator = cals[ci].name;
    r.integer_only = bits == 8 && gran != "group";
    std::vector<float> logits;
    std::vector<int> pred;
    if (r.integer_only) {
      std::vector<std::int8_t> qx(xte.size());
      qtz::quantize(xte.data(), qx.data(), qtz::Shape{static_cast<std::int64_t>(xte.size())}, a.in);
      const std::vector<std::int8_t> qh =
          int_dense(qx, nte, n_in, a.in.zero_point[0], a.in.scale[0], l1, m.b1, n_hidden, a.hidden, true);
      const std::vector<std::int8_t> qz =
          int_dense(qh, nte, n_hidden, a.hidden.zero_point[0], a.hidden.scale[0], l2, m.b2, n_out, a.logits, false);
      logits.resize(qz.size());
      qtz::dequantize(qz.data(), logits.data(), qtz::Shape{static_cast<std::int64_t>(qz.size())}, a.logits);
      pred = argmax_rows(qz, nte);
      for (auto v : qz) mix(v);
      for (auto v : l1.codes) mix(v);
      for (auto v : l2.codes) mix(v);
    } else {
      const std::vector<float> h = dense(fake_quant(xte, a.in), nte, n_in, l1.w_hat, m.b1, n_hidden, true);
      logits = fake_quant(dense(fake_quant(h, a.hidden), nte, n_hidden, l2.w_hat, m.b2, n_out, false), a.logits);
      pred = argmax_rows(logits, nte);
    }
    r.accuracy = accuracy(pred);
    r.flipped = flips(pred);
    std::vector<float> w_all = m.w1, w_hat = l1.w_hat;
    w_all.insert(w_all.end(), m.w2.begin(), m.w2.end());
    w_hat.insert(w_hat.end(), l2.w_hat.begin(), l2.w_hat.end());
    r.weight_sqnr = sqnr(w_all, w_hat);
    r.logits_sqnr = sqnr(zte, logits);
    r.model_bytes = (m.w1.size() * static_cast<std::size_t>(bits) + 7) / 8 + (m.w2.size() * static_cast<std::size_t>(bits) + 7) / 8 +
                    4 * (l1.p.count() + l2.p.count()) + 4 * (m.b1.size() + m.b2.size());
    rows.push_back(r);
  };
  for (const char* gran : {"tensor", "channel", "group"})
    for (int bits : {8, 4, 3, 2}) evaluate(bits, gran, 0);  // weights sweep, minmax activations
  for (std::size_t ci = 1; ci < cals.size(); ++ci)
    for (const char* gran : {"tensor", "channel"}) evaluate(8, gran, ci);  // every calibrator, integer-only

#ifdef DEMO_HAS_DISPATCH
  const char* isa = qtz::name(qtz::active_isa());
#else
  const char* isa = "scalar";
#endif

  if (!quiet) {
    std::printf("qtz digits demo: UCI optdigits test set (1797 8x8 images, CC BY 4.0, Alpaydin & Kaynak 1998)\n");
    std::printf("MLP 64-32-10 trained in float (double, fixed seed): %zu train / %zu test images\n", ntr, nte);
    std::printf("float accuracy %.2f%%, float model %zu bytes; qtz kernels: %s\n\n", float_acc, float_bytes, isa);
    std::printf("%-7s %-9s %-17s %-9s %9s %8s %11s %11s %8s\n", "weights", "gran.", "act. calibrator", "inference",
                "accuracy", "flipped", "weight SQNR", "logits SQNR", "bytes");
    for (const Row& r : rows) {
      std::printf("int%-4d %-9s %-17s %-9s %8.2f%% %8d %8.1f dB %8.1f dB %8zu\n", r.bits, r.granularity.c_str(),
                  r.calibrator.c_str(), r.integer_only ? "integer" : "fake-q", r.accuracy, r.flipped, r.weight_sqnr,
                  r.logits_sqnr, r.model_bytes);
    }
    std::printf("\n'integer': int8 x int8 -> int32, bias int32 at S_in*S_w, requantized with gemmlowp fixed-point\n"
                "multipliers (no float in the inference); 'fake-q': dequantize(quantize(w)) weights, int8 fake-quantized\n"
                "activations. Weights symmetric-restricted per tensor / per output channel / per group of 16 inputs.\n");
    std::printf("hash of the integer-only outputs and weight codes: %016llx\n\n", static_cast<unsigned long long>(hash));

    // ASCII histogram of the hidden activation (training set), log-scaled, thresholds marked.
    float hmax = 0;
    for (float v : htr) hmax = std::max(hmax, v);
    const int cols = 64, height = 10;
    std::vector<std::uint64_t> hist(cols, 0);
    for (float v : htr) hist[std::min<std::size_t>(static_cast<std::size_t>(v / hmax * cols), cols - 1)]++;
    double lmax = 0;
    for (auto c : hist) lmax = std::max(lmax, std::log10(1.0 + static_cast<double>(c)));
    std::printf("hidden activation (post-ReLU, %zu values), log-scale counts over [0, %.3f]:\n", htr.size(),
                static_cast<double>(hmax));
    for (int row = height; row >= 1; --row) {
      std::string line = "  |";
      for (int c = 0; c < cols; ++c)
        line += std::log10(1.0 + static_cast<double>(hist[static_cast<std::size_t>(c)])) / lmax * height >= row - 0.5 ? '#' : ' ';
      std::printf("%s\n", line.c_str());
    }
    std::printf("  +%s\n", std::string(cols, '-').c_str());
    for (std::size_t ci = 0; ci < cals.size(); ++ci) {
      std::string line(static_cast<std::size_t>(cols) + 3, ' ');
      const float t = acts[ci].hidden_range.second;
      const auto pos = std::min<std::size_t>(static_cast<std::size_t>(t / hmax * cols), cols - 1);
      line[pos + 3] = cals[ci].mark;
      std::printf("%s %c %s hi = %.4f\n", line.c_str(), cals[ci].mark, cals[ci].name.c_str(), static_cast<double>(t));
    }
  }

  std::ostringstream js;
  js << "{\n  \"dataset\": \"UCI optdigits test set (CC BY 4.0)\",\n  \"train\": " << ntr << ",\n  \"test\": " << nte
     << ",\n  \"float_accuracy\": " << fixed(float_acc, 4) << ",\n  \"float_model_bytes\": " << float_bytes
     << ",\n  \"rows\": [\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    js << "    {\"weights\": \"" << json_escape(r.weights) << "\", \"activations\": \"" << r.activations
       << "\", \"bits\": " << r.bits << ", \"granularity\": \"" << r.granularity << "\", \"calibrator\": \""
       << json_escape(r.calibrator) << "\", \"integer_only\": " << (r.integer_only ? "true" : "false")
       << ", \"accuracy\": " << fixed(r.accuracy, 4) << ", \"flipped\": " << r.flipped
       << ", \"weight_sqnr_db\": " << fixed(r.weight_sqnr, 4) << ", \"logits_sqnr_db\": " << fixed(r.logits_sqnr, 4)
       << ", \"model_bytes\": " << r.model_bytes << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
  }
  char hb[32];
  std::snprintf(hb, sizeof hb, "%016llx", static_cast<unsigned long long>(hash));
  js << "  ],\n  \"integer_hash\": \"" << hb << "\"\n}\n";
  if (quiet) {
    std::fputs(js.str().c_str(), stdout);
  } else if (!json_path.empty()) {
    std::ofstream(json_path) << js.str();
  }

  if (!svg_path.empty()) {
    float hmax = 0;
    for (float v : htr) hmax = std::max(hmax, v);
    for (const auto& a : acts) hmax = std::max(hmax, a.hidden_range.second);
    const int bins = 80;
    std::vector<std::uint64_t> hist(bins, 0);
    for (float v : htr) hist[std::min<std::size_t>(static_cast<std::size_t>(v / hmax * bins), bins - 1)]++;
    double lmax = 0;
    for (auto c : hist) lmax = std::max(lmax, std::log10(1.0 + static_cast<double>(c)));
    const double L = 70, T = 40, W = 560, H = 300;
    std::ostringstream s;
    s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"860\" "
         "height=\"400\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"860\" height=\"400\" fill=\"white\"/>\n"
      << "<text x=\"" << L + W / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">digits MLP: hidden activation "
      << "(post-ReLU, training set) with each calibrator's upper threshold</text>\n";
    for (int b = 0; b < bins; ++b) {
      const double h = lmax > 0 ? std::log10(1.0 + static_cast<double>(hist[static_cast<std::size_t>(b)])) / lmax * H : 0;
      s << "<rect x=\"" << fixed(L + W * b / bins, 2) << "\" y=\"" << fixed(T + H - h, 2) << "\" width=\""
        << fixed(W / bins - 0.5, 2) << "\" height=\"" << fixed(h, 2) << "\" fill=\"#4c78a8\"/>\n";
    }
    s << "<line x1=\"" << L << "\" y1=\"" << T + H << "\" x2=\"" << L + W << "\" y2=\"" << T + H << "\" stroke=\"black\"/>\n"
      << "<line x1=\"" << L << "\" y1=\"" << T << "\" x2=\"" << L << "\" y2=\"" << T + H << "\" stroke=\"black\"/>\n";
    for (int t = 0; t <= 5; ++t) {
      const double v = static_cast<double>(hmax) * t / 5.0, x = L + W * t / 5.0;
      s << "<line x1=\"" << fixed(x, 2) << "\" y1=\"" << T + H << "\" x2=\"" << fixed(x, 2) << "\" y2=\"" << T + H + 5
        << "\" stroke=\"black\"/>\n<text x=\"" << fixed(x, 2) << "\" y=\"" << T + H + 20 << "\" text-anchor=\"middle\">"
        << fixed(v, 2) << "</text>\n";
    }
    for (double c = 1; std::log10(1.0 + c) <= lmax; c *= 10) {
      const double y = T + H - std::log10(1.0 + c) / lmax * H;
      s << "<line x1=\"" << L - 5 << "\" y1=\"" << fixed(y, 2) << "\" x2=\"" << L << "\" y2=\"" << fixed(y, 2)
        << "\" stroke=\"black\"/>\n<text x=\"" << L - 8 << "\" y=\"" << fixed(y + 4, 2) << "\" text-anchor=\"end\">"
        << c << "</text>\n";
    }
    s << "<text x=\"" << L + W / 2 << "\" y=\"" << T + H + 40 << "\" text-anchor=\"middle\">activation value</text>\n"
      << "<text x=\"18\" y=\"" << T + H / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 18 " << T + H / 2
      << ")\">count (log scale)</text>\n";
    static const char* const colours[] = {"#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"};
    for (std::size_t ci = 0; ci < cals.size(); ++ci) {
      const double x = L + W * acts[ci].hidden_range.second / hmax;
      const char* col = colours[ci % 5];
      s << "<line x1=\"" << fixed(x, 2) << "\" y1=\"" << T << "\" x2=\"" << fixed(x, 2) << "\" y2=\"" << T + H
        << "\" stroke=\"" << col << "\" stroke-width=\"2\"" << (ci % 2 ? " stroke-dasharray=\"6 3\"" : "") << "/>\n";
      const double ly = T + 10 + 20.0 * static_cast<double>(ci);
      s << "<line x1=\"" << L + W + 20 << "\" y1=\"" << ly << "\" x2=\"" << L + W + 44 << "\" y2=\"" << ly << "\" stroke=\""
        << col << "\" stroke-width=\"2\"" << (ci % 2 ? " stroke-dasharray=\"6 3\"" : "") << "/>\n<text x=\"" << L + W + 50
        << "\" y=\"" << ly + 4 << "\">" << cals[ci].name << " " << fixed(acts[ci].hidden_range.second, 3) << "</text>\n";
    }
    s << "</svg>\n";
    std::ofstream(svg_path) << s.str();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "digits_demo: %s\n", e.what());
    return 2;
  }
}
