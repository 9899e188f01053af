// The `qtz` command-line tool (examples/tools/qtz_cli.cpp, DESIGN §9): run as a process on files
// written by the test and by NumPy (tests/data/npy/, from tests/data/gen_npy.py); codes and
// PARAMS.json compared with hand-computed values and with the library called directly; every kind
// of bad input exits 2 with one line on stderr.
#include <catch2/catch.hpp>

#if defined(QTZ_TOOL_PATH)

#include <qtz/qtz.hpp>
#include <qtz/io/npy.hpp>
#include <qtz/calib/entropy.hpp>
#include <qtz/calib/moving_average.hpp>
#include <qtz/calib/mse.hpp>
#include <qtz/calib/percentile.hpp>

#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Run {
  int rc = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// A scratch directory for one test case, removed afterwards.
struct Scratch {
  fs::path dir;
  explicit Scratch(const std::string& name) : dir(fs::current_path() / ("qtz_cli_test_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string operator()(const std::string& file) const { return (dir / file).string(); }

  Run qtz(const std::string& args) const {
    const std::string cmd = std::string(QTZ_TOOL_EMULATOR) + " \"" + QTZ_TOOL_PATH + "\" " + args + " > \"" +
                            (dir / "stdout.txt").string() + "\" 2> \"" + (dir / "stderr.txt").string() + "\"";
    const int st = std::system(cmd.c_str());
    Run r;
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(dir / "stdout.txt");
    r.err = slurp(dir / "stderr.txt");
    return r;
  }
};

/// Exit status 2 and exactly one line on stderr that starts with "qtz: error: " and contains `what`.
void check_bad(const Scratch& s, const std::string& args, const std::string& what) {
  INFO("qtz " << args);
  const Run r = s.qtz(args);
  CHECK(r.rc == 2);
  INFO("stderr: " << r.err);
  CHECK(r.err.rfind("qtz: error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find(what) != std::string::npos);
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(slurp(path)); }

std::vector<float> floats(const nlohmann::json& a) {
  std::vector<float> v;
  for (const auto& e : a) v.push_back(static_cast<float>(e.get<double>()));
  return v;
}
std::vector<std::int32_t> ints(const nlohmann::json& a) {
  std::vector<std::int32_t> v;
  for (const auto& e : a) v.push_back(e.get<std::int32_t>());
  return v;
}

/// The tool's result versus the library's: every field of PARAMS.json, then every code.
template <class Q>
void check_against_library(const Scratch& s, const std::vector<float>& x, const qtz::Shape& shape,
                           const qtz::QuantParams& p, const std::string& tag) {
  INFO(tag);
  const nlohmann::json j = read_json(s("p.json"));
  CHECK(j["dtype"] == p.format.name());
  CHECK(j["scheme"] == qtz::to_string(p.scheme));
  CHECK(j["compat"] == qtz::to_string(p.compat));
  CHECK(j["scale_op"] == (p.scale_op == qtz::ScaleOp::divide ? "divide" : "reciprocal"));
  if (p.granularity.kind == qtz::Granularity::Kind::tensor) CHECK(j["axis"].is_null());
  else CHECK(j["axis"] == p.granularity.axis);
  CHECK(j["block_size"] == (p.granularity.kind == qtz::Granularity::Kind::group ? p.granularity.block_size : 0));
  CHECK(j["scale_shape"].get<std::vector<std::int64_t>>() == p.scale_shape);
  CHECK(floats(j["scale"]) == p.scale);  // exact: 9 significant digits read back to the same float
  CHECK(floats(j["inv_scale"]) == p.inv_scale);
  CHECK(ints(j["zero_point"]) == p.zero_point);
  CHECK(floats(j["range_min"]) == p.range_min);
  CHECK(floats(j["range_max"]) == p.range_max);

  // Every non-integer number in the file has at most 9 significant digits.
  const std::string text = slurp(s("p.json"));
  for (std::size_t i = 0; i < text.size();) {
    if ((text[i] >= '0' && text[i] <= '9') && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '[' || text[i - 1] == '-')) {
      std::size_t digits = 0, k = i;
      bool leading = true, point = false;
      for (; k < text.size() && ((text[k] >= '0' && text[k] <= '9') || text[k] == '.'); ++k) {
        if (text[k] == '.') {
          point = true;
          continue;
        }
        if (leading && text[k] == '0') continue;
        leading = false;
        ++digits;
      }
      if (point) CHECK(digits <= 9);
      i = k;
    } else {
      ++i;
    }
  }

  std::vector<Q> expect(x.size());
  qtz::quantize(x.data(), expect.data(), shape, p);
  const qtz::io::NpyArray q = qtz::io::read_npy(s("q.npy"));
  CHECK_FALSE(q.fortran_order);
  CHECK(q.shape == shape.to_vector());
  CHECK(q.to_c_order<Q>() == expect);
}

/// A (3, 7, 5) tensor with a spread of values, a NaN and an inf (both skipped by calibration).
std::vector<float> test_tensor() {
  std::mt19937 rng(42);
  std::normal_distribution<float> n(0.3f, 1.7f);
  std::vector<float> x(105);
  for (auto& v : x) v = n(rng);
  x[17] = std::numeric_limits<float>::quiet_NaN();
  x[60] = std::numeric_limits<float>::infinity();
  x[3] = 9.5f;  // an outlier for the threshold calibrators
  return x;
}

}  // namespace

TEST_CASE("quantize: hand-computed codes and PARAMS.json for scales of exactly 1") {
  Scratch s("hand");
  // int4 symmetric-restricted: m = 7, S = 7 / (2^3 - 1) = 1, Z = 0. NaN -> Z, +inf saturates to 7.
  const std::vector<float> x = {-7.0f, -3.5f, -2.5f, 0.0f, 0.4f, 2.5f, 6.6f, 7.0f,
                                std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()};
  qtz::io::write_npy(s("x.npy"), x.data(), {10});
  Run r = s.qtz("quantize " + s("x.npy") + " -o " + s("q.npy") + " -p " + s("p.json") +
                " --dtype int4 --scheme symmetric-restricted");
  REQUIRE(r.rc == 0);
  CHECK(r.err.empty());
  const qtz::io::NpyArray q = qtz::io::read_npy(s("q.npy"));
  CHECK(q.dtype == qtz::io::NpyDtype::int8);  // smallest NumPy type holding int4
  CHECK(q.to_c_order<std::int8_t>() == std::vector<std::int8_t>{-7, -4, -2, 0, 0, 2, 7, 7, 0, 7});
  const std::string expected_json =
      "{\n  \"dtype\": \"int4\",\n  \"scheme\": \"symmetric-restricted\",\n  \"compat\": \"qtz\",\n"
      "  \"rounding\": \"half-even\",\n  \"seed\": null,\n  \"scale_op\": \"divide\",\n  \"axis\": null,\n"
      "  \"block_size\": 0,\n  \"scale_shape\": [],\n  \"scale\": [1],\n  \"inv_scale\": [1],\n  \"zero_point\": [0],\n"
      "  \"range_min\": [-7],\n  \"range_max\": [7]\n}\n";
  CHECK(slurp(s("p.json")) == expected_json);

  // uint8 asymmetric on [0, 255]: S = 1, Z = 0; ties to even.
  const std::vector<float> u = {0.0f, 1.5f, 2.5f, 255.0f, 100.49f};
  qtz::io::write_npy(s("u.npy"), u.data(), {5});
  r = s.qtz("quantize " + s("u.npy") + " -o " + s("q.npy") + " --dtype uint8");
  REQUIRE(r.rc == 0);
  CHECK(qtz::io::read_npy(s("q.npy")).to_c_order<std::uint8_t>() == std::vector<std::uint8_t>{0, 2, 2, 255, 100});
  // ... and dequantize gives the codes back as floats (S = 1, Z = 0).
  r = s.qtz("quantize " + s("u.npy") + " -o " + s("q.npy") + " -p " + s("p.json") + " --dtype uint8");
  REQUIRE(r.rc == 0);
  r = s.qtz("dequantize " + s("q.npy") + " -p " + s("p.json") + " -o " + s("y.npy"));
  REQUIRE(r.rc == 0);
  CHECK(qtz::io::read_npy(s("y.npy")).to_c_order<float>() == std::vector<float>{0, 2, 2, 255, 100});
}

TEST_CASE("quantize: codes and parameters equal the library's, over granularities, formats, profiles, calibrators") {
  Scratch s("lib");
  const std::vector<float> x = test_tensor();
  const qtz::Shape shape{3, 7, 5};
  qtz::io::write_npy(s("x.npy"), x.data(), shape.to_vector());

  struct Case {
    std::string opts;
    qtz::QuantSpec spec;
    qtz::Granularity g;
    std::function<void(qtz::QuantParams&)> calibrate;  // fills p from the library's calibrator
  };
  const auto spec = [](const char* fmt, qtz::Scheme sc, qtz::Compat c = qtz::Compat::qtz) {
    qtz::QuantSpec q;
    q.format = qtz::Format::parse(fmt);
    q.scheme = sc;
    q.compat = c;
    return q;
  };
  const auto lib = [&](auto calibrator, const qtz::QuantSpec& sp, const qtz::Granularity& g) {
    if constexpr (!std::is_same_v<decltype(calibrator), qtz::MinMax> &&
                  !std::is_same_v<decltype(calibrator), qtz::MovingAverageMinMax>)
      calibrator.configure(sp);
    calibrator.observe(x.data(), shape, qtz::Layout::row_major, g);
    return qtz::make_params(calibrator.lo(), calibrator.hi(), sp, g, shape);
  };
  using qtz::Compat;
  using qtz::Granularity;
  using qtz::Scheme;
  struct Row {
    std::string opts;
    qtz::QuantParams p;
  };
  std::vector<Row> rows = {
      {"", lib(qtz::MinMax{}, spec("int8", Scheme::asymmetric), Granularity::tensor())},
      {"--granularity channel:1 --dtype uint8", lib(qtz::MinMax{}, spec("uint8", Scheme::asymmetric), Granularity::channel(1))},
      {"--granularity channel:-1 --scheme symmetric --dtype int4",
       lib(qtz::MinMax{}, spec("int4", Scheme::symmetric_full), Granularity::channel(-1))},
      {"--granularity group:1:3 --dtype uint4", lib(qtz::MinMax{}, spec("uint4", Scheme::asymmetric), Granularity::group(1, 3))},
      {"--granularity group:0:2 --dtype int16 --scheme symmetric-restricted",
       lib(qtz::MinMax{}, spec("int16", Scheme::symmetric_restricted), Granularity::group(0, 2))},
      {"--dtype uint16", lib(qtz::MinMax{}, spec("uint16", Scheme::asymmetric), Granularity::tensor())},
      {"--compat onnx --scheme symmetric-restricted",
       lib(qtz::MinMax{}, spec("int8", Scheme::symmetric_restricted, Compat::onnx), Granularity::tensor())},
      {"--compat pytorch --dtype uint8 --granularity channel:2",
       lib(qtz::MinMax{}, spec("uint8", Scheme::asymmetric, Compat::pytorch), Granularity::channel(2))},
      {"--compat tensorrt --scheme symmetric",
       lib(qtz::MinMax{}, spec("int8", Scheme::symmetric_full, Compat::tensorrt), Granularity::tensor())},
      {"--calibrator percentile:99", lib(qtz::Percentile(99.0), spec("int8", Scheme::asymmetric), Granularity::tensor())},
      {"--calibrator entropy --scheme symmetric",
       lib(qtz::Entropy{}, spec("int8", Scheme::symmetric_full), Granularity::tensor())},
      {"--calibrator mse --granularity channel:0",
       lib(qtz::Mse{}, spec("int8", Scheme::asymmetric), Granularity::channel(0))},
      {"--calibrator ema:0.5", lib(qtz::MovingAverageMinMax(0.5f), spec("int8", Scheme::asymmetric), Granularity::tensor())},
  };
  // A scale operation other than the profile's default.
  {
    qtz::QuantSpec sp = spec("int8", Scheme::asymmetric);
    sp.scale_op = qtz::ScaleOp::reciprocal;
    sp.rounding = qtz::Rounding::half_away;
    rows.push_back({"--scale-op reciprocal --rounding half-away", lib(qtz::MinMax{}, sp, Granularity::tensor())});
  }
  for (const Row& row : rows) {
    const Run r = s.qtz("quantize " + s("x.npy") + " -o " + s("q.npy") + " -p " + s("p.json") + " " + row.opts);
    INFO("options: " << row.opts << "\nstderr: " << r.err);
    REQUIRE(r.rc == 0);
    const qtz::Format f = row.p.format;
    if (f.bits == 16 && f.is_signed) check_against_library<std::int16_t>(s, x, shape, row.p, row.opts);
    else if (f.bits == 16) check_against_library<std::uint16_t>(s, x, shape, row.p, row.opts);
    else if (f.is_signed) check_against_library<std::int8_t>(s, x, shape, row.p, row.opts);
    else check_against_library<std::uint8_t>(s, x, shape, row.p, row.opts);
    const qtz::io::NpyArray q = qtz::io::read_npy(s("q.npy"));
    CHECK(qtz::io::npy_itemsize(q.dtype) == (f.bits == 16 ? 2u : 1u));
  }
}

TEST_CASE("stochastic rounding: the seed is written to PARAMS.json and the codes follow the library") {
  Scratch s("stoch");
  const std::vector<float> x = test_tensor();
  const qtz::Shape shape{3, 7, 5};
  qtz::io::write_npy(s("x.npy"), x.data(), shape.to_vector());
  REQUIRE(s.qtz("quantize " + s("x.npy") + " -o " + s("q.npy") + " -p " + s("p.json") +
                " --rounding stochastic:18446744073709551615 --dtype int4")
              .rc == 0);
  const nlohmann::json j = read_json(s("p.json"));
  CHECK(j["rounding"] == "stochastic");
  CHECK(j["seed"].get<std::uint64_t>() == 18446744073709551615ull);
  qtz::QuantSpec sp;
  sp.format = qtz::Format::parse("int4");
  sp.rounding = qtz::Rounding::stochastic;
  sp.seed = 18446744073709551615ull;
  qtz::MinMax mm;
  mm.observe(x.data(), shape, qtz::Layout::row_major, qtz::Granularity::tensor());
  check_against_library<std::int8_t>(s, x, shape, qtz::make_params(mm.lo(), mm.hi(), sp, qtz::Granularity::tensor(), shape),
                                     "stochastic");
}

TEST_CASE("the NumPy-written fixture: Fortran order gives the same codes as C order, and dequantize matches the library") {
  Scratch s("numpy");
  const std::string fixture = std::string(QTZ_TEST_DATA_DIR) + "/npy/f32_3d_f.npy";
  // Logical values of the fixture: v(i) = (i % 7) - 2.5 + i / 64 (tests/data/gen_npy.py).
  std::vector<float> x(60);
  for (int i = 0; i < 60; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>((i % 7) - 2.5 + i / 64.0);
  const qtz::Shape shape{3, 4, 5};
  qtz::io::write_npy(s("c.npy"), x.data(), shape.to_vector());
  for (const std::string gran : {"tensor", "channel:1", "group:2:2"}) {
    INFO(gran);
    REQUIRE(s.qtz("quantize " + fixture + " -o " + s("qf.npy") + " -p " + s("pf.json") + " --granularity " + gran).rc == 0);
    REQUIRE(s.qtz("quantize " + s("c.npy") + " -o " + s("q.npy") + " -p " + s("p.json") + " --granularity " + gran).rc == 0);
    CHECK(slurp(s("qf.npy")) == slurp(s("q.npy")));
    CHECK(slurp(s("pf.json")) == slurp(s("p.json")));
    qtz::MinMax mm;
    const qtz::Granularity g = gran == "tensor" ? qtz::Granularity::tensor()
                               : gran == "channel:1" ? qtz::Granularity::channel(1)
                                                     : qtz::Granularity::group(2, 2);
    mm.observe(x.data(), shape, qtz::Layout::row_major, g);
    const qtz::QuantParams p = qtz::make_params(mm.lo(), mm.hi(), qtz::QuantSpec{}, g, shape);
    check_against_library<std::int8_t>(s, x, shape, p, gran);
    // dequantize: the library's reconstruction, written as float32 C order.
    REQUIRE(s.qtz("dequantize " + s("q.npy") + " -p " + s("p.json") + " -o " + s("y.npy")).rc == 0);
    const std::vector<std::int8_t> q = qtz::io::read_npy(s("q.npy")).to_c_order<std::int8_t>();
    std::vector<float> y(q.size());
    qtz::dequantize(q.data(), y.data(), shape, p);
    const qtz::io::NpyArray yt = qtz::io::read_npy(s("y.npy"));
    CHECK(yt.shape == shape.to_vector());
    CHECK(yt.to_c_order<float>() == y);
  }
}

TEST_CASE("calibrate streams several batches: the range covers all of them") {
  Scratch s("calib");
  const std::vector<float> a = {-1.0f, 0.5f, 2.0f, 0.25f, -0.75f, 1.0f};
  const std::vector<float> b = {-3.0f, 0.0f, 1.0f, 0.5f, 4.0f, std::numeric_limits<float>::quiet_NaN()};
  qtz::io::write_npy(s("a.npy"), a.data(), {2, 3});
  qtz::io::write_npy(s("b.npy"), b.data(), {2, 3});
  const Run r = s.qtz("calibrate " + s("a.npy") + " " + s("b.npy") + " -p " + s("p.json") + " --granularity channel:1");
  REQUIRE(r.rc == 0);
  const nlohmann::json j = read_json(s("p.json"));
  // Channel c of [a; b] (columns): c0 {-1, 0.25, -3, 0.5}, c1 {0.5, -0.75, 0, 4}, c2 {2, 1, 1, NaN}.
  CHECK(floats(j["range_min"]) == std::vector<float>{-3.0f, -0.75f, 0.0f});
  CHECK(floats(j["range_max"]) == std::vector<float>{0.5f, 4.0f, 2.0f});
  CHECK(j["scale_shape"] == std::vector<int>{3});
  // Asymmetric int8: S = (β - α) / 255 computed in double, rounded once.
  CHECK(floats(j["scale"]) == std::vector<float>{static_cast<float>(3.5 / 255), static_cast<float>(4.75 / 255),
                                                 static_cast<float>(2.0 / 255)});
}

TEST_CASE("report prints the table and writes an SVG histogram with each calibrator's range") {
  Scratch s("report");
  const std::vector<float> x = test_tensor();
  qtz::io::write_npy(s("x.npy"), x.data(), {3, 7, 5});
  Run r = s.qtz("report " + s("x.npy") + " --svg " + s("h.svg"));
  REQUIRE(r.rc == 0);
  CHECK(r.err.empty());
  for (const char* word : {"MSE", "SQNR dB", "max error", "symmetric-restricted", "channel:0", "minmax",
                           "percentile:99.99", "entropy", "mse", "int8", "uint8", "int4"}) {
    CHECK(r.out.find(word) != std::string::npos);
  }
  const std::string svg = slurp(s("h.svg"));
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  for (const char* word : {"count (log scale)", "value", "minmax [", "entropy [", "mse [", "percentile:99.99 ["})
    CHECK(svg.find(word) != std::string::npos);
  // Options restrict the table: one scheme, one calibrator, one format, one granularity -> one row.
  r = s.qtz("report " + s("x.npy") + " --scheme symmetric --calibrator minmax --dtype int8 --granularity tensor");
  REQUIRE(r.rc == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 3);  // title, header, one row
  // The per-tensor symmetric int8 minmax row: max|x| = 9.5, so the range is [-9.5, 9.5].
  CHECK(r.out.find("[-9.5, 9.5]") != std::string::npos);
}

TEST_CASE("bad input and bad options exit 2 with one clear line") {
  Scratch s("bad");
  const std::vector<float> x = {1.0f, -2.0f, 3.0f, 0.5f, 0.25f, -1.0f};
  qtz::io::write_npy(s("x.npy"), x.data(), {2, 3});
  const std::vector<float> nan(4, std::numeric_limits<float>::quiet_NaN());
  qtz::io::write_npy(s("nan.npy"), nan.data(), {4});
  qtz::io::write_npy(s("empty.npy"), static_cast<const float*>(nullptr), {0, 3});
  const std::int8_t codes[] = {1, 2, 3, 4, 5, 6};
  qtz::io::write_npy(s("i8.npy"), codes, {2, 3});
  const std::vector<unsigned char> good = qtz::io::make_npy(x.data(), {2, 3});
  std::ofstream(s("trunc.npy"), std::ios::binary).write(reinterpret_cast<const char*>(good.data()), 100);
  std::ofstream(s("garbage.npy"), std::ios::binary) << "this is not a numpy file";
  std::string be(reinterpret_cast<const char*>(good.data()), good.size());
  be.replace(be.find("<f4"), 3, ">f4");
  std::ofstream(s("be.npy"), std::ios::binary) << be;
  const std::string X = s("x.npy"), O = " -o " + s("o.npy");

  check_bad(s, "", "missing command");
  check_bad(s, "squash " + X, "unknown command 'squash'");
  check_bad(s, "quantize " + s("missing.npy") + O, "cannot open");
  check_bad(s, "quantize " + s("trunc.npy") + O, "truncated");
  check_bad(s, "quantize " + s("garbage.npy") + O, "not a .npy file");
  check_bad(s, "quantize " + s("be.npy") + O, "unsupported .npy dtype '>f4'");
  check_bad(s, "quantize " + s("i8.npy") + O, "has dtype int8");
  check_bad(s, "quantize " + s("nan.npy") + O, "no finite value");
  check_bad(s, "quantize " + s("empty.npy") + O, "is empty");
  check_bad(s, "report " + s("nan.npy"), "no finite value");
  check_bad(s, "calibrate " + s("nan.npy") + " " + s("nan.npy") + " -p " + s("p.json"), "no finite value");
  check_bad(s, "quantize " + X, "needs -o");
  check_bad(s, "quantize " + X + O + " " + X, "takes one input file");
  check_bad(s, "quantize " + X + O + " --dtype int9", "format 'int9' does not exist");
  check_bad(s, "quantize " + X + O + " --dtype", "needs a value");
  check_bad(s, "quantize " + X + O + " --scheme sym", "scheme 'sym' does not exist");
  check_bad(s, "quantize " + X + O + " --granularity channel", "--granularity 'channel' is invalid");
  check_bad(s, "quantize " + X + O + " --granularity channel:x", "not an integer");
  check_bad(s, "quantize " + X + O + " --granularity channel:2", "axis = 2 is out of range");
  check_bad(s, "quantize " + X + O + " --granularity group:1:0", "group size = 0");
  check_bad(s, "quantize " + X + O + " --calibrator kl", "--calibrator 'kl' is invalid");
  check_bad(s, "quantize " + X + O + " --calibrator percentile:0", "percentile P = 0 is invalid");
  check_bad(s, "quantize " + X + O + " --calibrator percentile:abc", "not a finite number");
  check_bad(s, "quantize " + X + O + " --calibrator ema:2", "ema constant C = 2 is invalid");
  check_bad(s, "quantize " + X + O + " --calibrator minmax:3", "takes no argument");
  check_bad(s, "quantize " + X + O + " --calibrator entropy --granularity group:1:2", "per group is supported by MinMax only");
  check_bad(s, "quantize " + X + O + " --rounding nearest", "--rounding 'nearest' is invalid");
  check_bad(s, "quantize " + X + O + " --rounding stochastic:-1", "stochastic seed");
  check_bad(s, "quantize " + X + O + " --rounding stochastic:18446744073709551616", "out of range");
  check_bad(s, "quantize " + X + O + " --scale-op times", "--scale-op 'times' is invalid");
  check_bad(s, "quantize " + X + O + " --compat tflite", "compat profile 'tflite' does not exist");
  check_bad(s, "quantize " + X + O + " --compat onnx --dtype int4", "profile onnx does not define");
  check_bad(s, "quantize " + X + O + " --compat tensorrt", "TensorRT quantization is symmetric only");
  check_bad(s, "quantize " + X + O + " --compat tensorrt --dtype uint8 --scheme symmetric", "negative");
  check_bad(s, "quantize " + X + O + " --frobnicate 3", "unknown option '--frobnicate'");
  check_bad(s, "quantize " + X + O + " --dtype int8 --dtype int4", "given twice");
  check_bad(s, "quantize " + X + " -o " + s("no/such/dir/o.npy"), "cannot open");
  check_bad(s, "dequantize " + X + O, "needs -p");
  check_bad(s, "dequantize " + X + O + " -p " + s("p.json") + " --dtype int8", "does not apply");
  check_bad(s, "calibrate " + X + O + " -p " + s("p.json"), "-o does not apply");
  check_bad(s, "report " + X + " -p " + s("p.json"), "-p does not apply");
  check_bad(s, "quantize " + X + O + " --svg " + s("h.svg"), "--svg does not apply");
  check_bad(s, "report " + X + " --granularity channel:5", "axis = 5 is out of range");
  // Batches of different rank.
  const float one = 1.0f;
  qtz::io::write_npy(s("r1.npy"), &one, {1});
  check_bad(s, "calibrate " + X + " " + s("r1.npy") + " -p " + s("p.json"), "has rank 1");
  // A clean run for reference, so the cases above fail for the reason they name.
  CHECK(s.qtz("quantize " + X + O + " -p " + s("p.json")).rc == 0);
}

TEST_CASE("dequantize validates PARAMS.json field by field and the codes against it") {
  Scratch s("json");
  const std::vector<float> x = {1.0f, -2.0f, 3.0f, 0.5f, 0.25f, -1.0f};
  qtz::io::write_npy(s("x.npy"), x.data(), {2, 3});
  REQUIRE(s.qtz("quantize " + s("x.npy") + " -o " + s("q.npy") + " -p " + s("p.json") + " --granularity channel:1").rc == 0);
  const nlohmann::json good = read_json(s("p.json"));
  const std::string deq = "dequantize " + s("q.npy") + " -p " + s("bad.json") + " -o " + s("y.npy");
  const auto bad_with = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& what) {
    nlohmann::json j = good;
    edit(j);
    std::ofstream(s("bad.json")) << j.dump();
    check_bad(s, deq, what);
  };
  {
    std::ofstream(s("bad.json")) << good.dump();
    CHECK(s.qtz(deq).rc == 0);  // the unedited file passes
  }
  std::ofstream(s("bad.json")) << "{\"dtype\": ";
  check_bad(s, deq, "is not valid JSON");
  std::ofstream(s("bad.json")) << "[1, 2]";
  check_bad(s, deq, "must be a JSON object");
  bad_with([](nlohmann::json& j) { j.erase("scale"); }, "\"scale\" is missing");
  bad_with([](nlohmann::json& j) { j["extra"] = 1; }, "unknown field \"extra\"");
  bad_with([](nlohmann::json& j) { j["dtype"] = 8; }, "\"dtype\" must be a string");
  bad_with([](nlohmann::json& j) { j["dtype"] = "int9"; }, "format 'int9' does not exist");
  bad_with([](nlohmann::json& j) { j["dtype"] = "int16"; }, "has dtype int8; codes of int16 are stored as int16");
  bad_with([](nlohmann::json& j) { j["scheme"] = "diagonal"; }, "scheme 'diagonal'");
  bad_with([](nlohmann::json& j) { j["compat"] = "onnx"; j["dtype"] = "int4"; }, "profile onnx does not define");
  bad_with([](nlohmann::json& j) { j["rounding"] = "up"; }, "\"rounding\" = \"up\" is invalid");
  bad_with([](nlohmann::json& j) { j["rounding"] = "stochastic"; }, "\"seed\" must be an integer");
  bad_with([](nlohmann::json& j) { j["seed"] = 3; }, "\"seed\" must be null");
  bad_with([](nlohmann::json& j) { j["scale_op"] = "multiply"; }, "\"scale_op\" must be");
  bad_with([](nlohmann::json& j) { j["axis"] = -1; }, "normalized");
  bad_with([](nlohmann::json& j) { j["axis"] = 0; }, "do not match a tensor of shape [2, 3]");
  bad_with([](nlohmann::json& j) { j["axis"] = "1"; }, "\"axis\" must be null or");
  bad_with([](nlohmann::json& j) { j["axis"] = nullptr; }, "\"scale_shape\" must be [] per tensor");
  bad_with([](nlohmann::json& j) { j["block_size"] = -2; }, "\"block_size\" must be >= 0");
  bad_with([](nlohmann::json& j) { j["block_size"] = 1.5; }, "\"block_size\" must be an integer");
  bad_with([](nlohmann::json& j) { j["block_size"] = 2; }, "outside the rank of \"scale_shape\"");
  bad_with([](nlohmann::json& j) { j["scale_shape"] = {4}; }, "parameter count mismatch");
  bad_with([](nlohmann::json& j) { j["scale_shape"] = {-3}; }, "out of range");
  bad_with([](nlohmann::json& j) { j["scale"] = {0.1, 0.2}; }, "parameter count mismatch");
  bad_with([](nlohmann::json& j) { j["scale"][0] = "0.1"; }, "must contain numbers only");
  bad_with([](nlohmann::json& j) { j["scale"][0] = 0.0; }, "scale[0] = 0 is invalid");
  bad_with([](nlohmann::json& j) { j["scale"][1] = -0.5; }, "scale[1] = -0.5 is invalid");
  bad_with([](nlohmann::json& j) { j["scale"][0] = 1e-40; }, "is invalid");  // denormal as float32
  bad_with([](nlohmann::json& j) { j["scale"][0] = 1e300; }, "not a finite float32");
  bad_with([](nlohmann::json& j) { j["inv_scale"][2] = 0; }, "inv_scale[2] = 0 is invalid");
  bad_with([](nlohmann::json& j) { j["zero_point"][0] = 300; }, "zero_point[0] = 300 is outside");
  bad_with([](nlohmann::json& j) { j["zero_point"][0] = 1.5; }, "must contain integers only");
  bad_with([](nlohmann::json& j) { j["zero_point"][0] = 99999999999; }, "out of range");
  bad_with([](nlohmann::json& j) { j["range_min"] = {1}; }, "range_min/range_max have 1/3 entries; allowed: 0 or 3 each");
  bad_with([](nlohmann::json& j) { j["range_min"][0] = 5.0; }, "range_min[0] > range_max[0]");

  // Codes outside the format of the parameters, and a shape the parameters do not fit.
  nlohmann::json j4 = good;
  j4["dtype"] = "int4";
  j4["zero_point"] = {0, 0, 0};
  std::ofstream(s("bad.json")) << j4.dump();
  const std::int8_t wide[] = {0, 1, 2, 3, 4, 100};
  qtz::io::write_npy(s("q.npy"), wide, {2, 3});
  check_bad(s, deq, "code 100 at flat index 5 is outside the range [-8, 7] of int4");
  qtz::io::write_npy(s("q.npy"), wide, {3, 2});
  std::ofstream(s("bad.json")) << good.dump();
  check_bad(s, deq, "does not fit");
  check_bad(s, "dequantize " + s("q.npy") + " -p " + s("missing.json") + " -o " + s("y.npy"), "cannot open");
}

#else
TEST_CASE("the qtz tool is not built (QTZ_BUILD_EXAMPLES=OFF): its tests do not run") { SUCCEED(); }
#endif
