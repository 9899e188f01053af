// qtz — the command-line tool (DESIGN §9, docs/cli.md).
//
//   qtz quantize   IN.npy -o Q.npy [-p PARAMS.json] [options]
//   qtz dequantize Q.npy  -p PARAMS.json -o X.npy
//   qtz calibrate  BATCH.npy [BATCH.npy ...] -p PARAMS.json [options]
//   qtz report     IN.npy [--svg HIST.svg] [options]
//
// Exit status 0 on success, 2 with one line on stderr for any bad input or option. Every error path
// is an exception caught in main(); nothing here asserts on user input.
#include <qtz/qtz.hpp>
#include <qtz/io/npy.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if __has_include(<qtz/calib/moving_average.hpp>)
#include <qtz/calib/moving_average.hpp>
#define QTZ_CLI_HAS_EMA 1
#endif
#if __has_include(<qtz/calib/percentile.hpp>)
#include <qtz/calib/percentile.hpp>
#define QTZ_CLI_HAS_PERCENTILE 1
#endif
#if __has_include(<qtz/calib/entropy.hpp>)
#include <qtz/calib/entropy.hpp>
#define QTZ_CLI_HAS_ENTROPY 1
#endif
#if __has_include(<qtz/calib/mse.hpp>)
#include <qtz/calib/mse.hpp>
#define QTZ_CLI_HAS_MSE 1
#endif

namespace {

using qtz::Format;
using qtz::Granularity;
using qtz::QuantParams;
using qtz::QuantSpec;
using qtz::Shape;

/// Any bad input or option: exit 2 with this message.
struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* const usage_text =
    "usage:\n"
    "  qtz quantize   IN.npy -o Q.npy [-p PARAMS.json] [options]   calibrate on IN, write codes (and params)\n"
    "  qtz dequantize Q.npy  -p PARAMS.json -o X.npy               codes back to float32\n"
    "  qtz calibrate  BATCH.npy [BATCH.npy ...] -p PARAMS.json [options]   stream batches, write params\n"
    "  qtz report     IN.npy [--svg HIST.svg] [options]   error table over schemes x granularities x\n"
    "                                                     calibrators x formats (options restrict it)\n"
    "options:\n"
    "  --dtype int2..int8|uint2..uint8|int16|uint16             (default int8)\n"
    "  --scheme symmetric|symmetric-restricted|asymmetric       (default asymmetric)\n"
    "  --granularity tensor|channel:AXIS|group:AXIS:SIZE        (default tensor)\n"
    "  --calibrator minmax|ema:C|percentile:P|entropy|mse       (default minmax)\n"
    "  --rounding half-even|half-away|floor|toward-zero|stochastic:SEED   (default half-even)\n"
    "  --scale-op divide|reciprocal                             (default: the profile's)\n"
    "  --compat qtz|onnx|pytorch|tensorrt                       (default qtz)\n"
    "Input: NumPy .npy float32 (little-endian, C or Fortran order, any rank up to 8).\n"
    "Exit status: 0 on success, 2 on bad input or options (one line on stderr).\n";

// ---------------------------------------------------------------------------------------------
// Strict parsing of option values.

long long parse_integer(const std::string& s, const std::string& what) {
  if (s.empty()) throw BadInput(what + " is empty; expected an integer");
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) throw BadInput(what + " = '" + s + "' is not an integer");
  for (std::size_t k = i; k < s.size(); ++k)
    if (s[k] < '0' || s[k] > '9') throw BadInput(what + " = '" + s + "' is not an integer");
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE) throw BadInput(what + " = '" + s + "' is out of range");
  return v;
}

std::uint64_t parse_seed(const std::string& s) {
  if (s.empty() || s.size() > 20) throw BadInput("stochastic seed '" + s + "' is invalid; expected 0..2^64-1");
  for (char c : s)
    if (c < '0' || c > '9') throw BadInput("stochastic seed '" + s + "' is invalid; expected 0..2^64-1");
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
  if (errno == ERANGE) throw BadInput("stochastic seed '" + s + "' is out of range; expected 0..2^64-1");
  return static_cast<std::uint64_t>(v);
}

double parse_real(const std::string& s, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  const double v = s.empty() ? 0.0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v) ||
      std::isspace(static_cast<unsigned char>(s[0]))) {
    throw BadInput(what + " = '" + s + "' is not a finite number");
  }
  return v;
}

qtz::Rounding parse_rounding(const std::string& s, std::uint64_t& seed) {
  if (s == "half-even") return qtz::Rounding::half_even;
  if (s == "half-away") return qtz::Rounding::half_away;
  if (s == "floor") return qtz::Rounding::floor;
  if (s == "toward-zero") return qtz::Rounding::toward_zero;
  if (s.rfind("stochastic:", 0) == 0) {
    seed = parse_seed(s.substr(11));
    return qtz::Rounding::stochastic;
  }
  throw BadInput("--rounding '" + s + "' is invalid; allowed: half-even, half-away, floor, toward-zero, stochastic:SEED");
}

const char* rounding_name(qtz::Rounding r) {
  switch (r) {
    case qtz::Rounding::half_even: return "half-even";
    case qtz::Rounding::half_away: return "half-away";
    case qtz::Rounding::floor: return "floor";
    case qtz::Rounding::toward_zero: return "toward-zero";
    case qtz::Rounding::stochastic: return "stochastic";
  }
  return "?";
}

Granularity parse_granularity(const std::string& s) {
  if (s == "tensor") return Granularity::tensor();
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == ':') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  const auto axis_of = [](const std::string& a) {
    const long long v = parse_integer(a, "granularity axis");
    if (v < -8 || v > 7) throw BadInput("granularity axis = " + a + " is out of range; allowed: -8..7 (and within the rank)");
    return static_cast<int>(v);
  };
  if (parts.size() == 2 && parts[0] == "channel") return Granularity::channel(axis_of(parts[1]));
  if (parts.size() == 3 && parts[0] == "group") {
    const long long g = parse_integer(parts[2], "group size");
    if (g < 1) throw BadInput("group size = " + parts[2] + " is invalid; allowed: >= 1");
    return Granularity::group(axis_of(parts[1]), g);
  }
  throw BadInput("--granularity '" + s + "' is invalid; allowed: tensor, channel:AXIS, group:AXIS:SIZE");
}

// ---------------------------------------------------------------------------------------------
// Calibrators behind one interface, made from the --calibrator string by a small factory.

class AnyCalibrator {
 public:
  virtual ~AnyCalibrator() = default;
  virtual void observe(const float* x, const Shape& s, const Granularity& g) = 0;
  virtual std::vector<float> lo() const = 0;
  virtual std::vector<float> hi() const = 0;
};

template <class C, class = void>
struct has_configure : std::false_type {};
template <class C>
struct has_configure<C, std::void_t<decltype(std::declval<C&>().configure(std::declval<const QuantSpec&>()))>>
    : std::true_type {};

template <class C>
class CalibratorModel final : public AnyCalibrator {
 public:
  CalibratorModel(C c, const QuantSpec& spec) : c_(std::move(c)) {
    if constexpr (has_configure<C>::value) c_.configure(spec);
    else (void)spec;
  }
  void observe(const float* x, const Shape& s, const Granularity& g) override {
    c_.observe(x, s, qtz::Layout::row_major, g);
  }
  std::vector<float> lo() const override { return c_.lo(); }
  std::vector<float> hi() const override { return c_.hi(); }

 private:
  C c_;
};

template <class C>
std::unique_ptr<AnyCalibrator> wrap(C c, const QuantSpec& spec) {
  return std::make_unique<CalibratorModel<C>>(std::move(c), spec);
}

struct CalibratorEntry {
  const char* name;
  bool available;
  std::function<std::unique_ptr<AnyCalibrator>(const std::optional<std::string>& arg, const QuantSpec&)> make;
};

[[noreturn]] void not_available(const char* name) {
  throw BadInput(std::string("--calibrator ") + name + " is not available in this build");
}
void no_argument(const char* name, const std::optional<std::string>& arg) {
  if (arg) throw BadInput(std::string("--calibrator ") + name + " takes no argument (got '" + *arg + "')");
}

const std::vector<CalibratorEntry>& calibrator_table() {
  static const std::vector<CalibratorEntry> table = {
      {"minmax", true,
       [](const std::optional<std::string>& a, const QuantSpec& s) {
         no_argument("minmax", a);
         return wrap(qtz::MinMax{}, s);
       }},
#ifdef QTZ_CLI_HAS_EMA
      {"ema", true,
       [](const std::optional<std::string>& a, const QuantSpec& s) {
         const double c = a ? parse_real(*a, "ema constant C") : 0.01;
         if (!(c > 0.0 && c <= 1.0)) throw BadInput("ema constant C = " + *a + " is invalid; allowed: (0, 1]");
         return wrap(qtz::MovingAverageMinMax(static_cast<float>(c)), s);
       }},
#else
      {"ema", false, [](const std::optional<std::string>&, const QuantSpec&) -> std::unique_ptr<AnyCalibrator> { not_available("ema"); }},
#endif
#ifdef QTZ_CLI_HAS_PERCENTILE
      {"percentile", true,
       [](const std::optional<std::string>& a, const QuantSpec& s) {
         const double p = a ? parse_real(*a, "percentile P") : 99.99;
         if (!(p > 0.0 && p <= 100.0)) throw BadInput("percentile P = " + *a + " is invalid; allowed: (0, 100]");
         return wrap(qtz::Percentile(p), s);
       }},
#else
      {"percentile", false, [](const std::optional<std::string>&, const QuantSpec&) -> std::unique_ptr<AnyCalibrator> { not_available("percentile"); }},
#endif
#ifdef QTZ_CLI_HAS_ENTROPY
      {"entropy", true,
       [](const std::optional<std::string>& a, const QuantSpec& s) {
         no_argument("entropy", a);
         return wrap(qtz::Entropy{}, s);
       }},
#else
      {"entropy", false, [](const std::optional<std::string>&, const QuantSpec&) -> std::unique_ptr<AnyCalibrator> { not_available("entropy"); }},
#endif
#ifdef QTZ_CLI_HAS_MSE
      {"mse", true,
       [](const std::optional<std::string>& a, const QuantSpec& s) {
         no_argument("mse", a);
         return wrap(qtz::Mse{}, s);
       }},
#else
      {"mse", false, [](const std::optional<std::string>&, const QuantSpec&) -> std::unique_ptr<AnyCalibrator> { not_available("mse"); }},
#endif
  };
  return table;
}

/// Checks the --calibrator string (name and argument) without building anything.
void check_calibrator_option(const std::string& s) {
  const std::size_t colon = s.find(':');
  const std::string name = s.substr(0, colon);
  for (const auto& e : calibrator_table()) {
    if (name == e.name) {
      if (!e.available) not_available(e.name);
      return;
    }
  }
  throw BadInput("--calibrator '" + s + "' is invalid; allowed: minmax, ema:C, percentile:P, entropy, mse");
}

std::unique_ptr<AnyCalibrator> make_calibrator(const std::string& s, const QuantSpec& spec) {
  const std::size_t colon = s.find(':');
  const std::string name = s.substr(0, colon);
  std::optional<std::string> arg;
  if (colon != std::string::npos) arg = s.substr(colon + 1);
  for (const auto& e : calibrator_table())
    if (name == e.name) return e.make(arg, spec);
  throw BadInput("--calibrator '" + s + "' is invalid; allowed: minmax, ema:C, percentile:P, entropy, mse");
}

// ---------------------------------------------------------------------------------------------
// Command line.

struct Options {
  std::string command;
  std::vector<std::string> inputs;
  std::optional<std::string> out, params, svg;
  std::optional<std::string> dtype, scheme, granularity, calibrator, rounding, scale_op, compat;
};

Options parse_command_line(const std::vector<std::string>& args) {
  Options o;
  if (args.empty()) throw BadInput("missing command; expected quantize, dequantize, calibrate or report (see qtz --help)");
  o.command = args[0];
  if (o.command != "quantize" && o.command != "dequantize" && o.command != "calibrate" && o.command != "report") {
    throw BadInput("unknown command '" + o.command + "'; expected quantize, dequantize, calibrate or report (see qtz --help)");
  }
  const std::map<std::string, std::optional<std::string> Options::*> named = {
      {"-o", &Options::out},          {"--output", &Options::out},          {"-p", &Options::params},
      {"--params", &Options::params}, {"--svg", &Options::svg},             {"--dtype", &Options::dtype},
      {"--scheme", &Options::scheme}, {"--granularity", &Options::granularity}, {"--calibrator", &Options::calibrator},
      {"--rounding", &Options::rounding}, {"--scale-op", &Options::scale_op}, {"--compat", &Options::compat}};
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > 1 && a[0] == '-') {
      std::string key = a;
      std::optional<std::string> value;
      const std::size_t eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
        key = a.substr(0, eq);
        value = a.substr(eq + 1);
      }
      const auto it = named.find(key);
      if (it == named.end()) throw BadInput("unknown option '" + key + "' (see qtz --help)");
      if (!value) {
        if (i + 1 >= args.size()) throw BadInput("option " + key + " needs a value");
        value = args[++i];
      }
      if (o.*(it->second)) throw BadInput("option " + key + " is given twice");
      o.*(it->second) = *value;
    } else {
      o.inputs.push_back(a);
    }
  }
  // Which options each command takes.
  const bool q = o.command == "quantize", d = o.command == "dequantize", c = o.command == "calibrate",
             r = o.command == "report";
  const auto forbid = [&](bool bad, const char* opt) {
    if (bad) throw BadInput(std::string("option ") + opt + " does not apply to '" + o.command + "'");
  };
  forbid(!q && !d && o.out.has_value(), "-o");
  forbid(r && o.params.has_value(), "-p");
  forbid(!r && o.svg.has_value(), "--svg");
  if (d) {
    forbid(o.dtype.has_value(), "--dtype");
    forbid(o.scheme.has_value(), "--scheme");
    forbid(o.granularity.has_value(), "--granularity");
    forbid(o.calibrator.has_value(), "--calibrator");
    forbid(o.rounding.has_value(), "--rounding (it is read from PARAMS.json)");
    forbid(o.scale_op.has_value(), "--scale-op (it is read from PARAMS.json)");
    forbid(o.compat.has_value(), "--compat (it is read from PARAMS.json)");
  }
  if ((q || d) && !o.out) throw BadInput("'" + o.command + "' needs -o OUT.npy");
  if ((d || c) && !o.params) throw BadInput("'" + o.command + "' needs -p PARAMS.json");
  if (o.inputs.empty()) throw BadInput("'" + o.command + "' needs an input .npy file");
  if (!c && o.inputs.size() > 1) {
    throw BadInput("'" + o.command + "' takes one input file, got " + std::to_string(o.inputs.size()) + " ('" +
                   o.inputs[1] + "' is extra)");
  }
  // Validate every option value now, before any file is touched.
  if (o.dtype) (void)Format::parse(*o.dtype);
  if (o.scheme) (void)qtz::parse_scheme(*o.scheme);
  if (o.compat) (void)qtz::parse_compat(*o.compat);
  if (o.granularity) (void)parse_granularity(*o.granularity);
  if (o.calibrator) check_calibrator_option(*o.calibrator);
  if (o.rounding) {
    std::uint64_t seed = 0;
    (void)parse_rounding(*o.rounding, seed);
  }
  if (o.scale_op && *o.scale_op != "divide" && *o.scale_op != "reciprocal") {
    throw BadInput("--scale-op '" + *o.scale_op + "' is invalid; allowed: divide, reciprocal");
  }
  return o;
}

QuantSpec spec_from(const Options& o, const std::string& dtype, const std::string& scheme) {
  QuantSpec s;
  s.format = Format::parse(dtype);
  s.scheme = qtz::parse_scheme(scheme);
  s.compat = qtz::parse_compat(o.compat.value_or("qtz"));
  s.rounding = parse_rounding(o.rounding.value_or("half-even"), s.seed);
  if (o.scale_op) s.scale_op = *o.scale_op == "divide" ? qtz::ScaleOp::divide : qtz::ScaleOp::reciprocal;
  (void)qtz::profile_rules(s);  // an undefined profile combination fails here, before any work
  return s;
}

// ---------------------------------------------------------------------------------------------
// Input tensors.

struct FloatTensor {
  Shape shape;
  std::vector<std::int64_t> dims;
  std::vector<float> data;  // C order
};

FloatTensor read_float_input(const std::string& path) {
  const qtz::io::NpyArray a = qtz::io::read_npy(path);
  if (a.dtype != qtz::io::NpyDtype::float32) {
    throw BadInput("'" + path + "' has dtype " + qtz::io::npy_name(a.dtype) +
                   "; qtz reads little-endian float32 ('<f4') tensors");
  }
  if (a.shape.size() > static_cast<std::size_t>(Shape::max_rank)) {
    throw BadInput("'" + path + "' has rank " + std::to_string(a.shape.size()) + "; qtz handles ranks up to 8");
  }
  FloatTensor t;
  t.dims = a.shape;
  t.shape = Shape(a.shape);
  t.data = a.to_c_order<float>();
  if (t.data.empty()) throw BadInput("'" + path + "' is empty (shape " + t.shape.str() + "); nothing to calibrate");
  return t;
}

/// Wraps calibrator errors (no finite value, ...) with the file names.
void require_finite(const std::vector<float>& data, const std::string& what) {
  for (float v : data)
    if (std::isfinite(v)) return;
  throw BadInput(what + " has no finite value; it cannot be calibrated");
}

// ---------------------------------------------------------------------------------------------
// PARAMS.json: written field by field (every float with 9 significant digits), read with
// nlohmann-json and validated field by field.

/// 9 significant digits read back exactly as float32 (%.9g); in the (theoretical) case where the
/// decimal would be misread through double rounding, 17 digits of the exact double are written.
std::string float_json(float v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  if (static_cast<float>(std::strtod(buf, nullptr)) != v) std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v));
  return buf;
}

template <class T, class F>
std::string json_list(const std::vector<T>& v, F f) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + f(v[i]);
  return s + "]";
}

std::string params_json(const QuantParams& p) {
  const auto i64 = [](std::int64_t v) { return std::to_string(v); };
  const auto fl = [](float v) { return float_json(v); };
  std::ostringstream os;
  os << "{\n"
     << "  \"dtype\": \"" << p.format.name() << "\",\n"
     << "  \"scheme\": \"" << qtz::to_string(p.scheme) << "\",\n"
     << "  \"compat\": \"" << qtz::to_string(p.compat) << "\",\n"
     << "  \"rounding\": \"" << rounding_name(p.rounding) << "\",\n"
     << "  \"seed\": " << (p.rounding == qtz::Rounding::stochastic ? std::to_string(p.seed) : "null") << ",\n"
     << "  \"scale_op\": \"" << (p.scale_op == qtz::ScaleOp::divide ? "divide" : "reciprocal") << "\",\n"
     << "  \"axis\": " << (p.granularity.kind == Granularity::Kind::tensor ? "null" : std::to_string(p.granularity.axis))
     << ",\n"
     << "  \"block_size\": " << (p.granularity.kind == Granularity::Kind::group ? p.granularity.block_size : 0) << ",\n"
     << "  \"scale_shape\": " << json_list(p.scale_shape, i64) << ",\n"
     << "  \"scale\": " << json_list(p.scale, fl) << ",\n"
     << "  \"inv_scale\": " << json_list(p.inv_scale, fl) << ",\n"
     << "  \"zero_point\": "
     << json_list(p.zero_point, [](std::int32_t v) { return std::to_string(v); }) << ",\n"
     << "  \"range_min\": " << json_list(p.range_min, fl) << ",\n"
     << "  \"range_max\": " << json_list(p.range_max, fl) << "\n"
     << "}\n";
  return os.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw BadInput("cannot open '" + path + "' for writing");
  f << text;
  f.close();
  if (!f) throw BadInput("error writing '" + path + "'");
}

QuantParams read_params(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw BadInput("cannot open '" + path + "' for reading");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw BadInput("error reading '" + path + "' (is it a directory?)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    std::string m = e.what();
    std::replace(m.begin(), m.end(), '\n', ' ');
    throw BadInput("'" + path + "' is not valid JSON: " + m);
  }
  const std::string where = "'" + path + "': ";
  if (!j.is_object()) throw BadInput(where + "the top level must be a JSON object");
  static const char* const keys[] = {"dtype", "scheme", "compat", "rounding", "seed", "scale_op", "axis", "block_size",
                                     "scale_shape", "scale", "inv_scale", "zero_point", "range_min", "range_max"};
  for (const char* k : keys)
    if (!j.contains(k)) throw BadInput(where + "the field \"" + k + "\" is missing");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find_if(std::begin(keys), std::end(keys), [&](const char* k) { return it.key() == k; }) == std::end(keys))
      throw BadInput(where + "unknown field \"" + it.key() + "\"");
  }
  const auto str = [&](const char* k) {
    if (!j[k].is_string()) throw BadInput(where + "\"" + k + "\" must be a string");
    return j[k].get<std::string>();
  };
  const auto int_array = [&](const char* k, long long lo, long long hi) {
    const nlohmann::json& a = j[k];
    if (!a.is_array()) throw BadInput(where + "\"" + k + "\" must be an array of integers");
    std::vector<long long> v;
    for (const auto& e : a) {
      if (!e.is_number_integer()) throw BadInput(where + "\"" + k + "\" must contain integers only");
      if (e.is_number_unsigned() ? e.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)
                                 : (e.get<std::int64_t>() < lo || e.get<std::int64_t>() > hi))
        throw BadInput(where + "an entry of \"" + k + "\" is out of range [" + std::to_string(lo) + ", " +
                       std::to_string(hi) + "]");
      v.push_back(e.is_number_unsigned() ? static_cast<long long>(e.get<std::uint64_t>()) : e.get<std::int64_t>());
    }
    return v;
  };
  const auto float_array = [&](const char* k) {
    const nlohmann::json& a = j[k];
    if (!a.is_array()) throw BadInput(where + "\"" + k + "\" must be an array of numbers");
    std::vector<float> v;
    for (const auto& e : a) {
      if (!e.is_number()) throw BadInput(where + "\"" + k + "\" must contain numbers only");
      const double d = e.get<double>();
      if (!std::isfinite(d) || std::fabs(d) > static_cast<double>(FLT_MAX))
        throw BadInput(where + "an entry of \"" + k + "\" is not a finite float32");
      v.push_back(static_cast<float>(d));
    }
    return v;
  };

  QuantSpec spec;
  try {
    spec.format = Format::parse(str("dtype"));
    spec.scheme = qtz::parse_scheme(str("scheme"));
    spec.compat = qtz::parse_compat(str("compat"));
  } catch (const std::invalid_argument& e) {
    throw BadInput(where + std::string(e.what()).substr(5));
  }
  const std::string rounding = str("rounding");
  if (rounding == "stochastic") {
    if (!j["seed"].is_number_unsigned()) throw BadInput(where + "\"seed\" must be an integer 0..2^64-1 for stochastic rounding");
    spec.rounding = qtz::Rounding::stochastic;
    spec.seed = j["seed"].get<std::uint64_t>();
  } else {
    if (!j["seed"].is_null()) throw BadInput(where + "\"seed\" must be null unless \"rounding\" is \"stochastic\"");
    std::uint64_t unused = 0;
    try {
      spec.rounding = parse_rounding(rounding, unused);
    } catch (const BadInput&) {
      throw BadInput(where + "\"rounding\" = \"" + rounding +
                     "\" is invalid; allowed: half-even, half-away, floor, toward-zero, stochastic");
    }
  }
  const std::string sop = str("scale_op");
  if (sop != "divide" && sop != "reciprocal") throw BadInput(where + "\"scale_op\" must be \"divide\" or \"reciprocal\"");
  spec.scale_op = sop == "divide" ? qtz::ScaleOp::divide : qtz::ScaleOp::reciprocal;
  qtz::ProfileRules rules{};
  try {
    rules = qtz::profile_rules(spec);
  } catch (const std::invalid_argument& e) {
    throw BadInput(where + std::string(e.what()).substr(5));
  }

  const std::vector<long long> sshape = int_array("scale_shape", 0, std::numeric_limits<std::int32_t>::max());
  if (sshape.size() > static_cast<std::size_t>(Shape::max_rank)) throw BadInput(where + "\"scale_shape\" has more than 8 dimensions");
  if (!j["block_size"].is_number_integer()) throw BadInput(where + "\"block_size\" must be an integer");
  if (j["block_size"].is_number_integer() && !j["block_size"].is_number_unsigned())
    throw BadInput(where + "\"block_size\" must be >= 0");
  const std::uint64_t block = j["block_size"].get<std::uint64_t>();
  if (block > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()))
    throw BadInput(where + "\"block_size\" is too large");
  Granularity g;
  if (j["axis"].is_null()) {
    if (block != 0) throw BadInput(where + "\"block_size\" must be 0 when \"axis\" is null (per tensor)");
    if (!sshape.empty()) throw BadInput(where + "\"scale_shape\" must be [] per tensor (\"axis\": null)");
    g = Granularity::tensor();
  } else {
    if (!j["axis"].is_number_unsigned()) throw BadInput(where + "\"axis\" must be null or a normalized (non-negative) integer");
    const std::uint64_t axis = j["axis"].get<std::uint64_t>();
    if (block == 0) {
      if (sshape.size() != 1) throw BadInput(where + "\"scale_shape\" must be [C] per channel");
      if (axis >= static_cast<std::uint64_t>(Shape::max_rank)) throw BadInput(where + "\"axis\" is out of range 0..7");
      g = Granularity::channel(static_cast<int>(axis));
    } else {
      if (axis >= sshape.size())
        throw BadInput(where + "\"axis\" = " + std::to_string(axis) + " is outside the rank of \"scale_shape\"");
      g = Granularity::group(static_cast<int>(axis), static_cast<std::int64_t>(block));
    }
  }
  QuantParams p;
  p.format = spec.format;
  p.scheme = spec.scheme;
  p.compat = spec.compat;
  p.scale_op = rules.scale_op;
  p.dequant_op = rules.dequant_op;
  p.rounding = spec.rounding;
  p.seed = spec.seed;
  p.qmin = rules.qmin;
  p.qmax = rules.qmax;
  p.fake_qmin = rules.fake_qmin;
  p.fake_qmax = rules.fake_qmax;
  p.granularity = g;
  for (long long d : sshape) p.scale_shape.push_back(d);
  p.scale = float_array("scale");
  p.inv_scale = float_array("inv_scale");
  for (long long z : int_array("zero_point", std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()))
    p.zero_point.push_back(static_cast<std::int32_t>(z));
  p.range_min = float_array("range_min");
  p.range_max = float_array("range_max");
  try {
    p.validate();
  } catch (const std::exception& e) {
    throw BadInput(where + std::string(e.what()).substr(5));
  }
  for (std::size_t i = 0; i < p.range_min.size(); ++i)
    if (p.range_min[i] > p.range_max[i]) throw BadInput(where + "range_min[" + std::to_string(i) + "] > range_max[" + std::to_string(i) + "]");
  return p;
}

// ---------------------------------------------------------------------------------------------
// Commands.

template <class Q>
void quantize_and_write(const FloatTensor& t, const QuantParams& p, const std::string& out) {
  std::vector<Q> q(t.data.size());
  qtz::quantize(t.data.data(), q.data(), t.shape, p);
  qtz::io::write_npy(out, q.data(), t.dims);
}

/// Streams batches (from `load(i)`, i < count) through the --calibrator and returns the parameters for
/// tensors shaped like the first batch.
QuantParams calibrate_batches(std::size_t count, const std::function<FloatTensor(std::size_t)>& load,
                              const std::vector<std::string>& names, const Options& o) {
  const QuantSpec spec = spec_from(o, o.dtype.value_or("int8"), o.scheme.value_or("asymmetric"));
  const Granularity g = parse_granularity(o.granularity.value_or("tensor"));
  std::unique_ptr<AnyCalibrator> cal = make_calibrator(o.calibrator.value_or("minmax"), spec);
  Shape first;
  bool any_finite = false;
  for (std::size_t i = 0; i < count; ++i) {
    const FloatTensor t = load(i);
    if (i == 0) first = t.shape;
    if (t.shape.rank() != first.rank())
      throw BadInput("'" + names[i] + "' has rank " + std::to_string(t.shape.rank()) + ", the first batch rank " +
                     std::to_string(first.rank()));
    if (g.kind != Granularity::Kind::tensor) (void)qtz::normalize_axis(g.axis, t.shape.rank());
    any_finite = any_finite || std::any_of(t.data.begin(), t.data.end(), [](float v) { return std::isfinite(v); });
    cal->observe(t.data.data(), t.shape, g);
  }
  if (!any_finite) {
    throw BadInput(count == 1 ? "'" + names[0] + "' has no finite value; it cannot be calibrated"
                              : "the batches have no finite value; they cannot be calibrated");
  }
  return qtz::make_params(cal->lo(), cal->hi(), spec, g, first);
}

int cmd_quantize(const Options& o) {
  const FloatTensor t = read_float_input(o.inputs[0]);
  const QuantParams p = calibrate_batches(1, [&](std::size_t) { return t; }, o.inputs, o);
  if (p.format.bits == 16) {
    if (p.format.is_signed) quantize_and_write<std::int16_t>(t, p, *o.out);
    else quantize_and_write<std::uint16_t>(t, p, *o.out);
  } else {
    if (p.format.is_signed) quantize_and_write<std::int8_t>(t, p, *o.out);
    else quantize_and_write<std::uint8_t>(t, p, *o.out);
  }
  if (o.params) write_text(*o.params, params_json(p));
  return 0;
}

template <class Q>
std::vector<float> dequantize_codes(const qtz::io::NpyArray& a, const QuantParams& p, const std::string& path) {
  const std::vector<Q> q = a.to_c_order<Q>();
  const std::int32_t lo = p.format.qmin(), hi = p.format.qmax();
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (q[i] < lo || q[i] > hi) {
      throw BadInput("'" + path + "': code " + std::to_string(q[i]) + " at flat index " + std::to_string(i) +
                     " is outside the range [" + std::to_string(lo) + ", " + std::to_string(hi) + "] of " +
                     p.format.name());
    }
  }
  std::vector<float> x(q.size());
  qtz::dequantize(q.data(), x.data(), Shape(a.shape), p);
  return x;
}

int cmd_dequantize(const Options& o) {
  const QuantParams p = read_params(*o.params);
  const qtz::io::NpyArray a = qtz::io::read_npy(o.inputs[0]);
  if (a.shape.size() > static_cast<std::size_t>(Shape::max_rank))
    throw BadInput("'" + o.inputs[0] + "' has rank " + std::to_string(a.shape.size()) + "; qtz handles ranks up to 8");
  const qtz::io::NpyDtype want = p.format.bits == 16 ? (p.format.is_signed ? qtz::io::NpyDtype::int16 : qtz::io::NpyDtype::uint16)
                                                     : (p.format.is_signed ? qtz::io::NpyDtype::int8 : qtz::io::NpyDtype::uint8);
  if (a.dtype != want) {
    throw BadInput("'" + o.inputs[0] + "' has dtype " + qtz::io::npy_name(a.dtype) + "; codes of " + p.format.name() +
                   " are stored as " + qtz::io::npy_name(want));
  }
  try {
    p.validate_for(Shape(a.shape));
  } catch (const std::invalid_argument& e) {
    throw BadInput("'" + *o.params + "' does not fit '" + o.inputs[0] + "': " + std::string(e.what()).substr(5));
  }
  std::vector<float> x;
  switch (want) {
    case qtz::io::NpyDtype::int8: x = dequantize_codes<std::int8_t>(a, p, o.inputs[0]); break;
    case qtz::io::NpyDtype::uint8: x = dequantize_codes<std::uint8_t>(a, p, o.inputs[0]); break;
    case qtz::io::NpyDtype::int16: x = dequantize_codes<std::int16_t>(a, p, o.inputs[0]); break;
    case qtz::io::NpyDtype::uint16: x = dequantize_codes<std::uint16_t>(a, p, o.inputs[0]); break;
    case qtz::io::NpyDtype::float32: break;
  }
  qtz::io::write_npy(*o.out, x.data(), a.shape);
  return 0;
}

int cmd_calibrate(const Options& o) {
  const QuantParams p =
      calibrate_batches(o.inputs.size(), [&](std::size_t i) { return read_float_input(o.inputs[i]); }, o.inputs, o);
  write_text(*o.params, params_json(p));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// report: the error table and the SVG histogram.

struct ReportRow {
  std::string scheme, granularity, calibrator, format;
  bool defined = false;
  double mse = 0, sqnr = 0, max_err = 0;
  float lo = 0, hi = 0;
  std::size_t slots = 0;
  std::string why;
};

template <class Q>
void round_trip(const FloatTensor& t, const QuantParams& p, std::vector<float>& y) {
  std::vector<Q> q(t.data.size());
  qtz::quantize(t.data.data(), q.data(), t.shape, p);
  qtz::dequantize(q.data(), y.data(), t.shape, p);
}

/// Per-tensor range of one calibrator on t under (format, scheme); empty when undefined.
std::optional<std::pair<float, float>> per_tensor_range(const FloatTensor& t, const Options& o, const std::string& cal,
                                                        const std::string& dtype, const std::string& scheme) {
  try {
    const QuantSpec spec = spec_from(o, dtype, scheme);
    auto c = make_calibrator(cal, spec);
    c->observe(t.data.data(), t.shape, Granularity::tensor());
    const QuantParams p = qtz::make_params(c->lo(), c->hi(), spec, Granularity::tensor(), t.shape);
    return std::make_pair(p.range_min[0], p.range_max[0]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string svg_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    }
  }
  return o;
}

std::string num(double v, int digits = 4) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

/// "Nice" tick positions covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target) {
  const double span = hi - lo;
  if (!(span > 0)) return {lo};
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

void write_svg(const std::string& path, const FloatTensor& t, const std::string& input_name,
               const std::vector<std::pair<std::string, std::pair<float, float>>>& thresholds, const std::string& spec_label) {
  double mn = std::numeric_limits<double>::infinity(), mx = -mn;
  std::size_t finite = 0;
  for (float v : t.data) {
    if (!std::isfinite(v)) continue;
    mn = std::min(mn, static_cast<double>(v));
    mx = std::max(mx, static_cast<double>(v));
    ++finite;
  }
  double xlo = mn, xhi = mx;
  for (const auto& th : thresholds) {
    xlo = std::min(xlo, static_cast<double>(th.second.first));
    xhi = std::max(xhi, static_cast<double>(th.second.second));
  }
  if (!(xhi > xlo)) {
    xlo -= 1;
    xhi += 1;
  }
  const double pad = (xhi - xlo) * 0.02;
  xlo -= pad;
  xhi += pad;
  const std::size_t bins = 120;
  std::vector<std::uint64_t> h(bins, 0);
  for (float v : t.data) {
    if (!std::isfinite(v)) continue;
    auto b = static_cast<std::size_t>((static_cast<double>(v) - xlo) / (xhi - xlo) * static_cast<double>(bins));
    h[std::min(b, bins - 1)]++;
  }
  const std::uint64_t hmax = *std::max_element(h.begin(), h.end());
  const double W = 900, H = 500, L = 80, R = 260, T = 50, B = 70;
  const double pw = W - L - R, ph = H - T - B;
  const auto X = [&](double v) { return L + (v - xlo) / (xhi - xlo) * pw; };
  const double ylog_max = std::log10(1.0 + static_cast<double>(hmax));
  const auto Y = [&](double count) { return T + ph - (ylog_max > 0 ? std::log10(1.0 + count) / ylog_max * ph : 0.0); };
  static const char* const colours[] = {"#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};

  std::ostringstream s;
  s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " "
    << H << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect x=\"0\" y=\"0\" width=\"" << W << "\" height=\"" << H << "\" fill=\"white\"/>\n"
    << "<text x=\"" << L + pw / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">Histogram of "
    << svg_escape(input_name) << " (" << finite << " finite values) with calibrator clipping ranges</text>\n";
  // Bars.
  s << "<g fill=\"#4c78a8\" stroke=\"none\">\n";
  for (std::size_t b = 0; b < bins; ++b) {
    if (!h[b]) continue;
    const double x0 = X(xlo + (xhi - xlo) * static_cast<double>(b) / static_cast<double>(bins));
    const double x1 = X(xlo + (xhi - xlo) * static_cast<double>(b + 1) / static_cast<double>(bins));
    const double y = Y(static_cast<double>(h[b]));
    s << "<rect x=\"" << num(x0, 7) << "\" y=\"" << num(y, 7) << "\" width=\"" << num(std::max(x1 - x0 - 0.5, 0.5), 5)
      << "\" height=\"" << num(T + ph - y, 7) << "\"/>\n";
  }
  s << "</g>\n";
  // Axes, ticks, labels.
  s << "<g stroke=\"black\" stroke-width=\"1\">\n"
    << "<line x1=\"" << L << "\" y1=\"" << T + ph << "\" x2=\"" << L + pw << "\" y2=\"" << T + ph << "\"/>\n"
    << "<line x1=\"" << L << "\" y1=\"" << T << "\" x2=\"" << L << "\" y2=\"" << T + ph << "\"/>\n";
  for (double v : nice_ticks(xlo, xhi, 8))
    s << "<line x1=\"" << num(X(v), 7) << "\" y1=\"" << T + ph << "\" x2=\"" << num(X(v), 7) << "\" y2=\"" << T + ph + 5 << "\"/>\n";
  std::vector<double> yt;
  for (double c = 1; c <= static_cast<double>(hmax); c *= 10) yt.push_back(c);
  for (double c : yt) s << "<line x1=\"" << L - 5 << "\" y1=\"" << num(Y(c), 7) << "\" x2=\"" << L << "\" y2=\"" << num(Y(c), 7) << "\"/>\n";
  s << "</g>\n<g fill=\"black\">\n";
  for (double v : nice_ticks(xlo, xhi, 8))
    s << "<text x=\"" << num(X(v), 7) << "\" y=\"" << T + ph + 20 << "\" text-anchor=\"middle\">" << num(v) << "</text>\n";
  for (double c : yt)
    s << "<text x=\"" << L - 8 << "\" y=\"" << num(Y(c) + 4, 7) << "\" text-anchor=\"end\">" << num(c, 6) << "</text>\n";
  s << "<text x=\"" << L + pw / 2 << "\" y=\"" << H - 22 << "\" text-anchor=\"middle\">value</text>\n"
    << "<text x=\"20\" y=\"" << T + ph / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 20 " << T + ph / 2
    << ")\">count (log scale)</text>\n</g>\n";
  // Thresholds and legend.
  const double lx = L + pw + 20;
  s << "<text x=\"" << lx << "\" y=\"" << T + 4 << "\" font-weight=\"bold\">Clipping range [lo, hi]</text>\n"
    << "<text x=\"" << lx << "\" y=\"" << T + 20 << "\" font-size=\"11\">" << svg_escape(spec_label) << "</text>\n";
  for (std::size_t i = 0; i < thresholds.size(); ++i) {
    const char* c = colours[i % (sizeof colours / sizeof *colours)];
    const std::string dash = i % 2 ? " stroke-dasharray=\"6 3\"" : "";
    for (float v : {thresholds[i].second.first, thresholds[i].second.second}) {
      s << "<line x1=\"" << num(X(v), 7) << "\" y1=\"" << T << "\" x2=\"" << num(X(v), 7) << "\" y2=\"" << T + ph
        << "\" stroke=\"" << c << "\" stroke-width=\"2\"" << dash << "/>\n";
    }
    const double ly = T + 44 + 22.0 * static_cast<double>(i);
    s << "<line x1=\"" << lx << "\" y1=\"" << ly - 4 << "\" x2=\"" << lx + 24 << "\" y2=\"" << ly - 4 << "\" stroke=\"" << c
      << "\" stroke-width=\"2\"" << dash << "/>\n"
      << "<text x=\"" << lx + 30 << "\" y=\"" << ly << "\">" << svg_escape(thresholds[i].first) << " ["
      << num(thresholds[i].second.first) << ", " << num(thresholds[i].second.second) << "]</text>\n";
  }
  s << "</svg>\n";
  write_text(path, s.str());
}

int cmd_report(const Options& o) {
  const FloatTensor t = read_float_input(o.inputs[0]);
  require_finite(t.data, "'" + o.inputs[0] + "'");
  if (o.granularity) {  // a bad axis for this tensor is bad input, not an undefined row
    const Granularity g = parse_granularity(*o.granularity);
    if (g.kind != Granularity::Kind::tensor) (void)qtz::normalize_axis(g.axis, t.shape.rank());
  }
  std::vector<std::string> schemes = {"symmetric", "symmetric-restricted", "asymmetric"};
  if (o.scheme) schemes = {*o.scheme};
  std::vector<std::string> grans = {"tensor"};
  if (t.shape.rank() >= 2) grans.push_back("channel:0");
  if (t.shape.rank() >= 1 && t.shape[t.shape.rank() - 1] > 32) grans.push_back("group:-1:32");
  if (o.granularity) grans = {*o.granularity};
  std::vector<std::string> cals;
  for (const auto& e : calibrator_table()) {
    if (!e.available || std::string(e.name) == "ema") continue;  // ema on one tensor equals minmax
    cals.push_back(std::string(e.name) == "percentile" ? "percentile:99.99" : e.name);
  }
  if (o.calibrator) cals = {*o.calibrator};
  std::vector<std::string> formats = {"int8", "uint8", "int4"};
  if (o.dtype) formats = {*o.dtype};

  std::vector<ReportRow> rows;
  std::vector<float> y(t.data.size());
  for (const auto& sc : schemes)
    for (const auto& gr : grans)
      for (const auto& ca : cals)
        for (const auto& fm : formats) {
          ReportRow r;
          r.scheme = sc;
          r.granularity = gr;
          r.calibrator = ca;
          r.format = fm;
          try {
            const QuantSpec spec = spec_from(o, fm, sc);
            const Granularity g = parse_granularity(gr);
            auto c = make_calibrator(ca, spec);
            c->observe(t.data.data(), t.shape, g);
            const QuantParams p = qtz::make_params(c->lo(), c->hi(), spec, g, t.shape);
            if (p.format.bits == 16) {
              if (p.format.is_signed) round_trip<std::int16_t>(t, p, y);
              else round_trip<std::uint16_t>(t, p, y);
            } else {
              if (p.format.is_signed) round_trip<std::int8_t>(t, p, y);
              else round_trip<std::uint8_t>(t, p, y);
            }
            r.mse = qtz::mse(t.data.data(), y.data(), y.size());
            r.sqnr = qtz::sqnr_db(t.data.data(), y.data(), y.size());
            r.max_err = qtz::max_abs_error(t.data.data(), y.data(), y.size());
            r.lo = *std::min_element(p.range_min.begin(), p.range_min.end());
            r.hi = *std::max_element(p.range_max.begin(), p.range_max.end());
            r.slots = p.count();
            r.defined = true;
          } catch (const BadInput&) {
            throw;
          } catch (const std::exception& e) {
            r.why = e.what();
            if (r.why.rfind("qtz: ", 0) == 0) r.why = r.why.substr(5);
          }
          rows.push_back(r);
        }

  std::printf("qtz report: %s, shape %s, %zu values, compat %s\n", o.inputs[0].c_str(), t.shape.str().c_str(),
              t.data.size(), o.compat.value_or("qtz").c_str());
  std::printf("%-21s %-13s %-17s %-6s %12s %9s %12s  %s\n", "scheme", "granularity", "calibrator", "format", "MSE",
              "SQNR dB", "max error", "range [lo, hi]");
  std::size_t undefined = 0;
  std::vector<std::string> reasons;
  for (const auto& r : rows) {
    if (!r.defined) {
      ++undefined;
      if (std::find(reasons.begin(), reasons.end(), r.why) == reasons.end()) reasons.push_back(r.why);
      std::printf("%-21s %-13s %-17s %-6s %12s %9s %12s  (not defined, note %zu)\n", r.scheme.c_str(),
                  r.granularity.c_str(), r.calibrator.c_str(), r.format.c_str(), "-", "-", "-",
                  static_cast<std::size_t>(std::find(reasons.begin(), reasons.end(), r.why) - reasons.begin() + 1));
      continue;
    }
    std::printf("%-21s %-13s %-17s %-6s %12.5g %9.2f %12.5g  [%.6g, %.6g]%s\n", r.scheme.c_str(), r.granularity.c_str(),
                r.calibrator.c_str(), r.format.c_str(), r.mse, r.sqnr, r.max_err, static_cast<double>(r.lo),
                static_cast<double>(r.hi), r.slots > 1 ? (" over " + std::to_string(r.slots) + " slots").c_str() : "");
  }
  for (std::size_t i = 0; i < reasons.size(); ++i) std::printf("note %zu: %s\n", i + 1, reasons[i].c_str());
  if (undefined == rows.size()) throw BadInput("no combination of the given options is defined: " + reasons.front());

  if (o.svg) {
    const std::string dtype = o.dtype.value_or("int8"), scheme = o.scheme.value_or("asymmetric");
    std::vector<std::pair<std::string, std::pair<float, float>>> th;
    std::vector<std::string> svg_cals = cals;
    for (const auto& ca : svg_cals) {
      const auto r = per_tensor_range(t, o, ca, dtype, scheme);
      if (r) th.emplace_back(ca, *r);
    }
    std::string name = o.inputs[0];
    const std::size_t slash = name.find_last_of("/\\");
    if (slash != std::string::npos) name = name.substr(slash + 1);
    write_svg(*o.svg, t, name, th, "per tensor, " + dtype + " " + scheme + ", compat " + o.compat.value_or("qtz"));
  }
  return 0;
}

int run(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help" || args[0] == "help")) {
    std::fputs(usage_text, stdout);
    return 0;
  }
  const Options o = parse_command_line(args);
  if (o.command == "quantize") return cmd_quantize(o);
  if (o.command == "dequantize") return cmd_dequantize(o);
  if (o.command == "calibrate") return cmd_calibrate(o);
  return cmd_report(o);
}

/// One line: the message without the library's "qtz: " prefix and without line breaks.
void print_error(std::string m) {
  if (m.rfind("qtz: ", 0) == 0) m = m.substr(5);
  for (char& c : m)
    if (c == '\n' || c == '\r') c = ' ';
  std::fprintf(stderr, "qtz: error: %s\n", m.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
  } catch (const std::exception& e) {
    print_error(e.what());
  } catch (...) {
    print_error("unexpected failure");
  }
  return 2;
}
