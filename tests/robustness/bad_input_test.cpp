// Every bad input of docs/robustness.md, one TEST_CASE per table row (the test name is the row's
// "pinned by" column). Errors: the exception type AND a message that names the argument, its value
// and what is allowed. Documented results: values computed by hand in this file (comments give the
// arithmetic), never by calling the code under test.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <qtz/calib/entropy.hpp>
#include <qtz/calib/minmax.hpp>
#include <qtz/calib/moving_average.hpp>
#include <qtz/calib/mse.hpp>
#include <qtz/calib/percentile.hpp>
#include <qtz/core/params.hpp>
#include <qtz/core/profile.hpp>
#include <qtz/io/npy.hpp>
#include <qtz/quant/ops.hpp>

using Catch::Matchers::Contains;
using qtz::Compat;
using qtz::Format;
using qtz::Granularity;
using qtz::Layout;
using qtz::QuantParams;
using qtz::QuantSpec;
using qtz::Scheme;
using qtz::Shape;

// The exception type AND its what() (Catch2 v2's REQUIRE_THROWS_MATCHES matches the exception
// object, not its message). Evaluates `expr` twice; every expression here is free of side effects
// that matter.
#define REQUIRE_THROWS_MSG(expr, Type, matcher) \
  do {                                          \
    REQUIRE_THROWS_AS(expr, Type);              \
    REQUIRE_THROWS_WITH(expr, matcher);         \
  } while (false)

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kDenormMin = std::numeric_limits<float>::denorm_min();

QuantSpec spec(int bits, bool is_signed, Scheme s = Scheme::asymmetric, Compat c = Compat::qtz) {
  QuantSpec q;
  q.format = Format{bits, is_signed};
  q.scheme = s;
  q.compat = c;
  return q;
}

/// Per-tensor int8 parameters (S, Z) given directly (the "passed in" path).
QuantParams int8_params(float s, std::int32_t z, const Shape& shape) {
  return qtz::params_from_scales({s}, {z}, spec(8, true), Granularity::tensor(), shape);
}

/// Returns the bytes of an npy file built by hand: magic, version, header length, header, data.
std::vector<unsigned char> npy_bytes(unsigned major, const std::string& header, std::size_t data_bytes) {
  std::vector<unsigned char> b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<unsigned char>(major), 0};
  const std::size_t n = header.size();
  b.push_back(static_cast<unsigned char>(n & 0xff));
  b.push_back(static_cast<unsigned char>((n >> 8) & 0xff));
  if (major >= 2) {
    b.push_back(static_cast<unsigned char>((n >> 16) & 0xff));
    b.push_back(static_cast<unsigned char>((n >> 24) & 0xff));
  }
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data_bytes, 0);
  return b;
}
qtz::io::NpyArray parse(const std::vector<unsigned char>& b) { return qtz::io::parse_npy(b.data(), b.size()); }

}  // namespace

// ---------------------------------------------------------------- non-finite, huge, denormal data

TEST_CASE("row 01: NaN in data quantizes to the zero point and dequantizes to 0", "[robustness]") {
  const Shape sh{3};
  const std::vector<float> x = {kNaN, -kNaN, 1.0f};
  const QuantParams p = int8_params(0.5f, 7, sh);
  std::vector<std::int8_t> q(3);
  qtz::quantize(x.data(), q.data(), sh, p);
  CHECK(q[0] == 7);  // NaN -> t = 0 -> q = Z
  CHECK(q[1] == 7);
  CHECK(q[2] == 9);  // 1 / 0.5 = 2, + 7
  std::vector<float> y(3);
  std::vector<std::uint8_t> mask(3);
  qtz::fake_quantize(x.data(), y.data(), sh, p, Layout::row_major, mask.data());
  CHECK(y[0] == 0.0f);
  CHECK(!std::signbit(y[0]));  // float(Z - Z) * S = +0
  CHECK(mask[0] == 0);         // the straight-through mask is 0 for NaN
  CHECK(mask[2] == 1);
}

TEST_CASE("row 02: +inf saturates to qmax and -inf to qmin, in every profile", "[robustness]") {
  const Shape sh{2};
  const std::vector<float> x = {kInf, -kInf};
  for (Compat c : {Compat::qtz, Compat::onnx, Compat::pytorch}) {
    const QuantParams p = qtz::params_from_scales({0.1f}, {-3}, spec(8, true, Scheme::asymmetric, c),
                                                  Granularity::tensor(), sh);
    std::vector<std::int8_t> q(2);
    qtz::quantize(x.data(), q.data(), sh, p);
    CHECK(q[0] == 127);   // never PyTorch 1.13's -128 for +inf
    CHECK(q[1] == -128);
  }
  // tensorrt: real quantization is narrow, [-127, 127]
  const QuantParams t = qtz::params_from_scales({0.1f}, {0}, spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt),
                                                Granularity::tensor(), sh);
  std::vector<std::int8_t> q(2);
  qtz::quantize(x.data(), q.data(), sh, t);
  CHECK(q[0] == 127);
  CHECK(q[1] == -127);
}

TEST_CASE("row 03: huge values saturate (x / S overflowing float is no float-to-int overflow)", "[robustness]") {
  const Shape sh{4};
  const std::vector<float> x = {FLT_MAX, -FLT_MAX, 3e38f, 1e10f};
  const QuantParams p = qtz::params_from_scales({FLT_MIN}, {200}, spec(16, false), Granularity::tensor(), sh);
  std::vector<std::uint16_t> q(4);
  qtz::quantize(x.data(), q.data(), sh, p);  // FLT_MAX / FLT_MIN = inf
  CHECK(q[0] == 65535);
  CHECK(q[1] == 0);
  CHECK(q[2] == 65535);
  CHECK(q[3] == 65535);
  // qtz's rule on the widest finite range gives a finite scale: S = 2 * FLT_MAX / 255 in double.
  const qtz::ChannelParams c = qtz::choose_params(-FLT_MAX, FLT_MAX, spec(8, true));
  CHECK(c.scale == static_cast<float>(2.0 * static_cast<double>(FLT_MAX) / 255.0));
  // The onnx and pytorch rules compute hi - lo in float32: that overflow is an error naming lo and hi.
  REQUIRE_THROWS_MSG(qtz::choose_params(-FLT_MAX, FLT_MAX, spec(8, false, Scheme::asymmetric, Compat::onnx)),
                         std::domain_error,
                         Contains("lo = -3.40282347e+38") && Contains("hi = 3.40282347e+38") && Contains("allowed"));
  REQUIRE_THROWS_MSG(qtz::choose_params(-FLT_MAX, FLT_MAX, spec(8, true, Scheme::asymmetric, Compat::pytorch)),
                         std::domain_error, Contains("lo = -3.40282347e+38") && Contains("allowed"));
  // Calibrators on values near FLT_MAX keep a finite range. TensorRT's histogram over [0, 3e38] has
  // bin edges up to 3e38, and the float sum of two neighbouring edges overflows (pytorch-quantization's
  // MSE centres become inf there); qtz takes the exact midpoint for those bins. Found by
  // fuzz_calibrators; the input that made Mse return inf is pinned by the corpus replay
  // (tests/fuzz/corpus/calibrators/mse-trt-centre-overflow, ctest fuzz/calibrators/replay).
  const std::vector<float> big = {3e38f, -3e38f, 3e38f, 1.0f};
  for (Compat prof : {Compat::qtz, Compat::tensorrt}) {
    INFO("compat " << static_cast<int>(prof));
    qtz::Mse m;
    m.configure(spec(8, true, Scheme::symmetric_restricted, prof));
    m.observe(big.data(), sh, Layout::row_major, Granularity::tensor());
    const float hi = m.hi()[0];
    CHECK(std::isfinite(hi));  // a bin centre: may lie above max|x| (qtz's power-of-two bins)
    CHECK(hi > 0.0f);
    CHECK(m.lo()[0] == -hi);
    qtz::Entropy e;
    e.configure(spec(8, true, Scheme::symmetric_restricted, prof));
    e.observe(big.data(), sh, Layout::row_major, Granularity::tensor());
    CHECK(std::isfinite(e.hi()[0]));
    CHECK(e.hi()[0] > 0.0f);
  }
}

TEST_CASE("row 04: denormal data and denormal ranges", "[robustness]") {
  const Shape sh{2};
  const std::vector<float> x = {kDenormMin, -FLT_MIN / 2};
  std::vector<std::int8_t> q(2);
  qtz::quantize(x.data(), q.data(), sh, int8_params(FLT_MIN, 5, sh));  // t = 2^-23 and -0.5 -> both round to 0
  CHECK(q[0] == 5);
  CHECK(q[1] == 5);  // -0.5 ties to even: 0
  // A range whose scale would be below FLT_MIN is degenerate: S = 1 (qtz), S = 1, Z = 0 (onnx),
  // S = 2^-23 (pytorch's eps floor), R = 0 and exported S = 1 (tensorrt, amax <= 2^-24).
  const qtz::ChannelParams a = qtz::choose_params(-kDenormMin, kDenormMin, spec(8, true, Scheme::symmetric_full));
  CHECK(a.scale == 1.0f);
  CHECK(a.zero_point == 0);
  const qtz::ChannelParams o = qtz::choose_params(0.0f, kDenormMin, spec(8, false, Scheme::asymmetric, Compat::onnx));
  CHECK(o.scale == 1.0f);
  CHECK(o.zero_point == 0);
  const qtz::ChannelParams t = qtz::choose_params(
      -kDenormMin, kDenormMin, spec(8, true, Scheme::symmetric_full, Compat::tensorrt));
  CHECK(t.scale == 1.0f);
  CHECK(t.inv_scale == 0.0f);
  const qtz::ChannelParams y = qtz::choose_params(0.0f, kDenormMin, spec(8, false, Scheme::asymmetric, Compat::pytorch));
  CHECK(y.scale == 0x1p-23f);
  // A denormal scale passed in is row 13.
}

// ---------------------------------------------------------------- empty, constant, all-zero

TEST_CASE("row 05: empty tensors are a no-op to quantize; a calibrator that saw no value has no range",
          "[robustness]") {
  for (const Shape& sh : {Shape{0}, Shape{3, 0}, Shape{0, 4}}) {
    INFO("shape " << sh.str());
    const QuantParams p = int8_params(0.5f, 0, sh);
    std::int8_t q_sentinel = 42;
    float y_sentinel = 42.0f;
    qtz::quantize(qtz::Span<const float>(nullptr, 0), qtz::Span<std::int8_t>(&q_sentinel, 0), sh, p);
    qtz::dequantize(qtz::Span<const std::int8_t>(nullptr, 0), qtz::Span<float>(&y_sentinel, 0), sh, p);
    qtz::fake_quantize(qtz::Span<const float>(nullptr, 0), qtz::Span<float>(&y_sentinel, 0), sh, p);
    CHECK(q_sentinel == 42);
    CHECK(y_sentinel == 42.0f);
  }
  // Per channel over an empty axis: zero parameters, still a valid no-op.
  const Shape e{0, 3};
  const QuantParams pc = qtz::params_from_scales({}, {}, spec(8, true), Granularity::channel(0), e);
  qtz::quantize(qtz::Span<const float>(nullptr, 0), qtz::Span<std::int8_t>(nullptr, 0), e, pc);
  // A calibrator fed only an empty batch: lo() throws std::logic_error.
  qtz::MinMax mm;
  mm.observe(nullptr, Shape{0}, Layout::row_major, Granularity::tensor());
  REQUIRE_THROWS_MSG(mm.lo(), std::logic_error, Contains("slot 0") && Contains("no finite value"));
  qtz::MinMax never;
  REQUIRE_THROWS_MSG(never.hi(), std::logic_error, Contains("observed nothing") && Contains("observe()"));
}

TEST_CASE("row 06: constant and all-zero tensors", "[robustness]") {
  // All zeros: the range [0, 0] is degenerate -> S = 1, Z as the scheme says (asymmetric int8: Z = qmin - 0).
  const std::vector<float> zeros(16, 0.0f);
  qtz::MinMax mm;
  mm.observe(zeros.data(), Shape{16}, Layout::row_major, Granularity::tensor());
  REQUIRE(mm.lo() == std::vector<float>{0.0f});
  REQUIRE(mm.hi() == std::vector<float>{0.0f});
  const qtz::ChannelParams z = qtz::choose_params(0.0f, 0.0f, spec(8, true));
  CHECK(z.scale == 1.0f);
  CHECK(z.zero_point == -128);
  const qtz::ChannelParams zu = qtz::choose_params(0.0f, 0.0f, spec(8, false, Scheme::symmetric_full));
  CHECK(zu.scale == 1.0f);
  CHECK(zu.zero_point == 128);  // unsigned symmetric: Z = 2^(b-1)
  // Constant 2: the range is widened to [0, 2] -> S = fl(2 / 255), Z = -128, the constant lands on code 127.
  const std::vector<float> twos(8, 2.0f);
  qtz::MinMax m2;
  m2.observe(twos.data(), Shape{8}, Layout::row_major, Granularity::tensor());
  const qtz::ChannelParams c = qtz::choose_params(m2.lo()[0], m2.hi()[0], spec(8, true));
  CHECK(c.scale == static_cast<float>(2.0 / 255.0));
  CHECK(c.zero_point == -128);
  // Constant -3, symmetric restricted: S = fl(3 / 127), Z = 0.
  const qtz::ChannelParams n = qtz::choose_params(-3.0f, -3.0f, spec(8, true, Scheme::symmetric_restricted));
  CHECK(n.scale == static_cast<float>(3.0 / 127.0));
  CHECK(n.zero_point == 0);
  // Histogram calibrators on all zeros: threshold 0, range [0, 0] (then S = 1 as above).
  for (int which = 0; which < 3; ++which) {
    INFO("calibrator " << which);
    std::vector<float> lo, hi;
    if (which == 0) {
      qtz::Percentile cal(99.0);
      cal.observe(zeros.data(), Shape{16}, Layout::row_major, Granularity::tensor());
      lo = cal.lo(), hi = cal.hi();
    } else if (which == 1) {
      qtz::Entropy cal;
      cal.observe(zeros.data(), Shape{16}, Layout::row_major, Granularity::tensor());
      lo = cal.lo(), hi = cal.hi();
    } else {
      qtz::Mse cal;
      cal.observe(zeros.data(), Shape{16}, Layout::row_major, Granularity::tensor());
      lo = cal.lo(), hi = cal.hi();
    }
    CHECK(lo == std::vector<float>{0.0f});
    CHECK(hi == std::vector<float>{0.0f});
  }
}

TEST_CASE("row 07: non-finite values in calibration are skipped and counted; none finite is an error",
          "[robustness]") {
  const std::vector<float> x = {kNaN, -1.5f, kInf, 2.5f, -kInf, kNaN};
  qtz::MinMax mm;
  mm.observe(x.data(), Shape{6}, Layout::row_major, Granularity::tensor());
  CHECK(mm.lo() == std::vector<float>{-1.5f});
  CHECK(mm.hi() == std::vector<float>{2.5f});
  CHECK(mm.finite_count() == 2);
  CHECK(mm.nonfinite_count() == 4);
  qtz::Percentile pc(100.0);
  pc.observe(x.data(), Shape{6}, Layout::row_major, Granularity::tensor());
  CHECK(pc.finite_count() == 2);
  CHECK(pc.nonfinite_count() == 4);
  CHECK(std::isfinite(pc.lo()[0]));
  CHECK(std::isfinite(pc.hi()[0]));
  const std::vector<float> bad = {kNaN, kInf, -kInf};
  qtz::MinMax none;
  none.observe(bad.data(), Shape{3}, Layout::row_major, Granularity::tensor());
  REQUIRE_THROWS_MSG(none.lo(), std::logic_error, Contains("slot 0") && Contains("no finite value"));
  qtz::MovingAverageMinMax ema;
  ema.observe(bad.data(), Shape{3}, Layout::row_major, Granularity::tensor());
  REQUIRE_THROWS_MSG(ema.hi(), std::logic_error, Contains("slot 0") && Contains("no finite value"));
  qtz::Entropy en;
  en.observe(bad.data(), Shape{3}, Layout::row_major, Granularity::tensor());
  REQUIRE_THROWS_MSG(en.lo(), std::logic_error, Contains("slot 0") && Contains("no finite value"));
  REQUIRE_THROWS_MSG(qtz::percentile_exact(bad.data(), bad.size(), 50.0), std::domain_error,
                         Contains("no finite value"));
}

// ---------------------------------------------------------------- axis and group size

TEST_CASE("row 08: axis out of range is an error naming it and the allowed interval", "[robustness]") {
  const Shape sh{2, 3};
  for (int axis : {2, -3, 100}) {
    INFO("axis " << axis);
    const std::string a = "axis = " + std::to_string(axis);
    REQUIRE_THROWS_MSG(qtz::params_from_scales({1, 1}, {0, 0}, spec(8, true), Granularity::channel(axis), sh),
                           std::invalid_argument, Contains(a) && Contains("rank-2") && Contains("[-2, 1]"));
    REQUIRE_THROWS_MSG(qtz::make_params({0, 0}, {1, 1}, spec(8, true), Granularity::channel(axis), sh),
                           std::invalid_argument, Contains(a) && Contains("[-2, 1]"));
    qtz::MinMax mm;
    const std::vector<float> x(6, 1.0f);
    REQUIRE_THROWS_MSG(mm.observe(x.data(), sh, Layout::row_major, Granularity::channel(axis)),
                           std::invalid_argument, Contains(a) && Contains("[-2, 1]"));
  }
  // Per channel of a rank-0 tensor: no axis exists.
  REQUIRE_THROWS_MSG(qtz::normalize_axis(0, 0), std::invalid_argument, Contains("axis = 0") && Contains("rank-0"));
}

TEST_CASE("row 09: negative axes count from the end", "[robustness]") {
  const Shape sh{2, 3};
  const QuantParams p = qtz::params_from_scales({1.0f, 2.0f, 4.0f}, {0, 1, 2}, spec(8, true),
                                                Granularity::channel(-1), sh);
  CHECK(p.granularity.axis == 1);
  CHECK(p.scale_shape == std::vector<std::int64_t>{3});
  const std::vector<float> x = {1, 2, 4, -1, -2, -4};
  std::vector<std::int8_t> q(6);
  qtz::quantize(x.data(), q.data(), sh, p);
  // column c uses (S, Z) = (1, 0), (2, 1), (4, 2): 1/1+0, 2/2+1, 4/4+2, -1+0, -1+1, -1+2
  CHECK(q == std::vector<std::int8_t>{1, 2, 3, -1, 0, 1});
  const QuantParams g = qtz::params_from_scales({1.0f, 1.0f, 1.0f}, {0, 0, 0}, spec(8, true), Granularity::group(-2, 2), sh);
  CHECK(g.granularity.axis == 0);
  CHECK(g.scale_shape == std::vector<std::int64_t>{1, 3});  // G = 2 along axis 0: ceil(2 / 2) = 1
}

TEST_CASE("row 10: group size 0 or negative is an error", "[robustness]") {
  for (std::int64_t g : {0, -1, -32}) {
    INFO("G = " << g);
    const std::string v = "block_size) = " + std::to_string(g);
    REQUIRE_THROWS_MSG(Granularity::group(0, g), std::invalid_argument, Contains(v) && Contains(">= 1"));
    REQUIRE_THROWS_MSG(qtz::PerGroup({0, g}).granularity(), std::invalid_argument, Contains(v));
    // A Granularity filled in by hand is caught by every consumer.
    Granularity raw;
    raw.kind = Granularity::Kind::group;
    raw.block_size = g;
    REQUIRE_THROWS_MSG(qtz::scale_shape(Shape{4}, raw), std::invalid_argument, Contains(v) && Contains(">= 1"));
    REQUIRE_THROWS_MSG(qtz::canonical_view(Shape{4}, Layout::row_major, raw), std::invalid_argument,
                           Contains(v) && Contains(">= 1"));
    QuantParams p = int8_params(1.0f, 0, Shape{4});
    p.granularity = raw;
    REQUIRE_THROWS_MSG(p.validate(), std::invalid_argument, Contains(v) && Contains(">= 1"));
  }
}

TEST_CASE("row 11: a group size larger than the axis is one partial block", "[robustness]") {
  const Shape sh{2, 3};
  const QuantParams p = qtz::params_from_scales({0.5f, 2.0f}, {0, 0}, spec(8, true), Granularity::group(1, 64), sh);
  CHECK(p.scale_shape == std::vector<std::int64_t>{2, 1});  // ceil(3 / 64) = 1 block per row
  const std::vector<float> x = {1, 2, 3, 4, 6, 8};
  std::vector<std::int8_t> q(6);
  qtz::quantize(x.data(), q.data(), sh, p);
  CHECK(q == std::vector<std::int8_t>{2, 4, 6, 2, 3, 4});  // row 0 / 0.5, row 1 / 2
  std::vector<std::int8_t> qc(6);
  const std::vector<float> xc = {1, 4, 2, 6, 3, 8};  // the same tensor, column-major
  qtz::quantize(xc.data(), qc.data(), sh, p, Layout::col_major);
  CHECK(qc == std::vector<std::int8_t>{2, 2, 4, 3, 6, 4});
}

// ---------------------------------------------------------------- formats, profiles, percentile, EMA

TEST_CASE("row 12: formats that do not exist", "[robustness]") {
  for (int bits : {0, 1, 9, 12, 15, 17, 32, -8}) {
    INFO("bits " << bits);
    REQUIRE_THROWS_MSG(Format::make(bits, true), std::invalid_argument,
                           Contains("bits = " + std::to_string(bits)) && Contains("2..8 or 16"));
    QuantParams p = int8_params(1.0f, 0, Shape{1});
    p.format = Format{bits, false};  // filled in by hand
    REQUIRE_THROWS_MSG(p.validate(), std::invalid_argument, Contains("bits = " + std::to_string(bits)));
    REQUIRE_THROWS_MSG(qtz::choose_params(0.0f, 1.0f, spec(bits, true)), std::invalid_argument,
                           Contains("bits = " + std::to_string(bits)) && Contains("2..8 or 16"));
  }
  for (const char* name : {"int9", "uint1", "int", "float8", "INT8", "int08x", "", "int32", "uint016"}) {
    INFO("name '" << name << "'");
    REQUIRE_THROWS_MSG(Format::parse(name), std::invalid_argument,
                           Contains(std::string("'") + name + "'") && Contains("int2..int8, uint2..uint8, int16, uint16"));
  }
  // The storage type must hold the format (an int8_t buffer for uint8 codes is rejected).
  const Shape sh{1};
  const QuantParams u = qtz::params_from_scales({1.0f}, {0}, spec(8, false), Granularity::tensor(), sh);
  const float x = 1.0f;
  std::int8_t q = 0;
  REQUIRE_THROWS_MSG(qtz::quantize(&x, &q, sh, u), std::invalid_argument,
                         Contains("8-bit signed") && Contains("uint8"));
  // A code range outside the format, filled in by hand.
  QuantParams r = int8_params(1.0f, 0, sh);
  r.qmin = -200;
  REQUIRE_THROWS_MSG(r.validate(), std::invalid_argument,
                         Contains("[qmin, qmax] = [-200, 127]") && Contains("sub-range of [-128, 127]"));
}

TEST_CASE("row 13: a profile combination the profile does not define is rejected", "[robustness]") {
  REQUIRE_THROWS_MSG(qtz::choose_params(0.0f, 1.0f, spec(4, true, Scheme::symmetric_restricted, Compat::onnx)),
                         std::invalid_argument, Contains("profile onnx") && Contains("int4"));
  REQUIRE_THROWS_MSG(qtz::choose_params(0.0f, 1.0f, spec(8, true, Scheme::asymmetric, Compat::tensorrt)),
                         std::invalid_argument,
                         Contains("profile tensorrt") && Contains("asymmetric") && Contains("symmetric only"));
  REQUIRE_THROWS_MSG(qtz::choose_params(-1.0f, 1.0f, spec(8, false, Scheme::symmetric_full, Compat::tensorrt)),
                         std::domain_error, Contains("lo = -1") && Contains("lo >= 0"));
}

TEST_CASE("row 14: percentile outside (0, 100]", "[robustness]") {
  // The message prints p with as many digits as it takes to read back exactly, so a value just
  // outside the interval does not read as an allowed one (std::to_string prints 100.0000001 as
  // "100.000000").
  const std::pair<double, const char*> bad[] = {{0.0, "percentile = 0 "},
                                                {-1.0, "percentile = -1 "},
                                                {100.5, "percentile = 100.5 "},
                                                {250.0, "percentile = 250 "},
                                                {100.0000001, "percentile = 100.0000001 "},
                                                {-1e-9, "percentile = -1e-09 "}};
  for (const auto& [p, v] : bad) {
    INFO("p = " << p);
    REQUIRE_THROWS_MSG(qtz::Percentile(p), std::invalid_argument, Contains(v) && Contains("(0, 100]"));
    const float x = 1.0f;
    REQUIRE_THROWS_MSG(qtz::percentile_exact(&x, 1, p), std::invalid_argument, Contains(v) && Contains("(0, 100]"));
    REQUIRE_THROWS_MSG(qtz::percentile_range_exact(&x, 1, p), std::invalid_argument, Contains("(0, 100]"));
  }
  REQUIRE_THROWS_MSG(qtz::Percentile(std::nan("")), std::invalid_argument,
                         Contains("percentile = nan") && Contains("(0, 100]"));
  REQUIRE_NOTHROW(qtz::Percentile(1e-300));  // tiny but inside (0, 100]
  REQUIRE_NOTHROW(qtz::Percentile(100.0));
  REQUIRE_NOTHROW(qtz::Percentile(1e-3));
}

TEST_CASE("row 24: TensorRT histogram growth beyond max_bins, even past 2^64 bins", "[robustness]") {
  // TensorRT's histogram keeps its first bin width (first max / 2048, in float) and grows by whole
  // bins; a later value far above the first needs more bins than max_bins (2^20). Errors must be a
  // clean std::length_error naming the value and the bin count, even where the count exceeds 2^64
  // or float (the message once converted it to an integer: undefined behaviour).
  //   width = fl(1e-10f / 2048) = 4.88281257e-14
  //   1e15f: fl(9.99999987e14 / width) = 2.04799991e28 bins (> 2^64 = 1.8e19)
  //   1e30f: 1e30 / width = 2.05e43 overflows float: inf bins
  const Shape sh{1};
  const float small = 1e-10f, big = 1e15f, huge = 1e30f, inf = std::numeric_limits<float>::infinity();
  qtz::Percentile p(99.9);
  p.configure(spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt));
  p.observe(&small, sh, Layout::row_major, Granularity::tensor());
  REQUIRE_THROWS_MSG(p.observe(&big, sh, Layout::row_major, Granularity::tensor()), std::length_error,
                         Contains("a value of 9.99999987e+14 needs 2.04799991e+28 bins of width 4.88281257e-14") &&
                             Contains("max_bins = 1048576"));
  REQUIRE_THROWS_MSG(p.observe(&huge, sh, Layout::row_major, Granularity::tensor()), std::length_error,
                         Contains("a value of 1.00000002e+30 needs inf bins") && Contains("max_bins = 1048576"));
  // +inf is skipped and counted, never binned (row 07).
  REQUIRE_NOTHROW(p.observe(&inf, sh, Layout::row_major, Granularity::tensor()));
  // Growth whose end (value + width) overflows float: 1e38f first gives width fl(1e38 / 2048) =
  // 4.88e34; FLT_MAX then needs only ceil(3.4e38 / 4.88e34) = 6969 bins, but FLT_MAX + 4.88e34
  // rounds to +inf (half an ulp of FLT_MAX is 2^103 = 1e31). Found by fuzz_calibrators.
  qtz::Percentile q(99.9);
  q.configure(spec(8, true, Scheme::symmetric_restricted, Compat::tensorrt));
  const float first = 1e38f, top = FLT_MAX;
  q.observe(&first, sh, Layout::row_major, Granularity::tensor());
  REQUIRE_THROWS_MSG(q.observe(&top, sh, Layout::row_major, Granularity::tensor()), std::length_error,
                         Contains("a value of 3.40282347e+38 puts the histogram's end") &&
                             Contains("beyond the float range"));
}

TEST_CASE("row 15: moving-average constant outside (0, 1] and bad histogram options", "[robustness]") {
  for (float c : {0.0f, -0.01f, 1.5f, kNaN, kInf}) {
    INFO("c = " << c);
    REQUIRE_THROWS_MSG(qtz::MovingAverageMinMax(c), std::invalid_argument,
                           Contains("averaging_constant = ") && Contains("(0, 1]"));
  }
  REQUIRE_THROWS_MSG(qtz::MovingAverageMinMax(1.5f), std::invalid_argument, Contains("averaging_constant = 1.5"));
  REQUIRE_NOTHROW(qtz::MovingAverageMinMax(1.0f));
  qtz::PercentileOptions po;
  po.bins = 1;
  REQUIRE_THROWS_MSG(qtz::Percentile(po), std::invalid_argument, Contains("bins = 1") && Contains(">= 2"));
  qtz::EntropyOptions eo;
  eo.start_bin = 4096;
  REQUIRE_THROWS_MSG(qtz::Entropy(eo), std::invalid_argument,
                         Contains("start_bin = 4096") && Contains("bins = 2048") && Contains("start_bin <= bins"));
  qtz::MseOptions mo;
  mo.stride = 0;
  REQUIRE_THROWS_MSG(qtz::Mse(mo), std::invalid_argument, Contains("stride = 0") && Contains("stride >= 1"));
}

// ---------------------------------------------------------------- ranges and parameters passed in

TEST_CASE("row 16: a range with a non-finite bound or lo > hi", "[robustness]") {
  struct Case {
    float lo, hi;
    const char* text;
  };
  const Case cases[] = {{kNaN, 1.0f, "lo = nan, hi = 1"},    {0.0f, kNaN, "lo = 0, hi = nan"},
                        {-kInf, 1.0f, "lo = -inf, hi = 1"},  {0.0f, kInf, "lo = 0, hi = inf"},
                        {2.0f, 1.0f, "lo = 2, hi = 1"},      {0.5f, -0.5f, "lo = 0.5, hi = -0.5"}};
  for (const Case& c : cases) {
    INFO(c.text);
    for (Compat p : {Compat::qtz, Compat::onnx, Compat::pytorch}) {
      REQUIRE_THROWS_MSG(qtz::choose_params(c.lo, c.hi, spec(8, false, Scheme::asymmetric, p)), std::domain_error,
                             Contains(c.text) && Contains("finite bounds with lo <= hi"));
    }
    REQUIRE_THROWS_MSG(qtz::make_params({c.lo}, {c.hi}, spec(8, true), Granularity::tensor(), Shape{4}),
                           std::domain_error, Contains(c.text));
  }
}

TEST_CASE("row 17: a zero point outside the code range", "[robustness]") {
  const Shape sh{1};
  REQUIRE_THROWS_MSG(int8_params(1.0f, 128, sh), std::invalid_argument,
                         Contains("zero_point[0] = 128") && Contains("[-128, 127]") && Contains("int8"));
  REQUIRE_THROWS_MSG(qtz::params_from_scales({1.0f}, {-1}, spec(8, false), Granularity::tensor(), sh),
                         std::invalid_argument, Contains("zero_point[0] = -1") && Contains("[0, 255]"));
  REQUIRE_THROWS_MSG(qtz::params_from_scales({1.0f}, {16}, spec(4, false), Granularity::tensor(), sh),
                         std::invalid_argument, Contains("zero_point[0] = 16") && Contains("[0, 15]") && Contains("uint4"));
  // The index of the bad entry is named per channel.
  REQUIRE_THROWS_MSG(qtz::params_from_scales({1.0f, 1.0f, 1.0f}, {0, 0, -129}, spec(8, true),
                                                 Granularity::channel(0), Shape{3}),
                         std::invalid_argument, Contains("zero_point[2] = -129"));
}

TEST_CASE("row 18: scale 0, negative, NaN, inf or denormal passed in", "[robustness]") {
  const Shape sh{2};
  struct Case {
    float s;
    const char* text;
  };
  const Case cases[] = {{0.0f, "scale[0] = 0 "},       {-0.0f, "scale[0] = -0 "},   {-1.0f, "scale[0] = -1 "},
                        {kNaN, "scale[0] = nan "},     {kInf, "scale[0] = inf "},   {-kInf, "scale[0] = -inf "},
                        {kDenormMin, "scale[0] = 1.40129846e-45 "}, {FLT_MIN / 2, "scale[0] = 5.87747175e-39 "}};
  for (const Case& c : cases) {
    INFO(c.text);
    REQUIRE_THROWS_MSG(int8_params(c.s, 0, sh), std::domain_error,
                           Contains(c.text) && Contains("finite, positive, normal float"));
  }
  REQUIRE_NOTHROW(int8_params(FLT_MIN, 0, sh));  // the smallest normal float is allowed
  // A second entry names its index; inv_scale filled in by hand is checked as well.
  REQUIRE_THROWS_MSG(qtz::params_from_scales({1.0f, 0.0f}, {0, 0}, spec(8, true), Granularity::channel(0), sh),
                         std::domain_error, Contains("scale[1] = 0 "));
  QuantParams p = int8_params(1.0f, 0, sh);
  p.inv_scale[0] = kNaN;
  REQUIRE_THROWS_MSG(p.validate(), std::domain_error, Contains("inv_scale[0] = nan") && Contains("> 0"));
  p.inv_scale[0] = 0.0f;  // 0 is TensorRT's "all codes 0" multiplier, allowed only there
  REQUIRE_THROWS_MSG(p.validate(), std::domain_error, Contains("inv_scale[0] = 0") && Contains("tensorrt"));
  p.compat = Compat::tensorrt;
  REQUIRE_NOTHROW(p.validate());
  // Every entry point validates before touching data.
  QuantParams bad = int8_params(1.0f, 0, sh);
  bad.scale[0] = -2.0f;
  const std::vector<float> x = {1.0f, 2.0f};
  std::vector<std::int8_t> q = {9, 9};
  std::vector<float> y = {9.0f, 9.0f};
  REQUIRE_THROWS_MSG(qtz::quantize(x.data(), q.data(), sh, bad), std::domain_error, Contains("scale[0] = -2 "));
  REQUIRE_THROWS_MSG(qtz::dequantize(q.data(), y.data(), sh, bad), std::domain_error, Contains("scale[0] = -2 "));
  REQUIRE_THROWS_MSG(qtz::fake_quantize(x.data(), y.data(), sh, bad), std::domain_error, Contains("scale[0] = -2 "));
  CHECK(q == std::vector<std::int8_t>{9, 9});  // nothing written
  CHECK(y == std::vector<float>{9.0f, 9.0f});
}

TEST_CASE("row 19: parameter count or buffer size not matching the tensor", "[robustness]") {
  const Shape sh{3, 4};
  // Two scales for three channels.
  REQUIRE_THROWS_MSG(qtz::params_from_scales({1.0f, 1.0f}, {0, 0, 0}, spec(8, true), Granularity::channel(0), sh),
                         std::invalid_argument,
                         Contains("scale has 2") && Contains("zero_point 3") && Contains("needs 3"));
  REQUIRE_THROWS_MSG(qtz::make_params({0, 0}, {1, 1}, spec(8, true), Granularity::channel(0), sh),
                         std::invalid_argument, Contains("got 2 ranges") && Contains("needs 3"));
  // Parameters made for another tensor.
  const QuantParams p3 = qtz::params_from_scales({1, 1, 1}, {0, 0, 0}, spec(8, true), Granularity::channel(0), sh);
  const Shape other{4, 3};
  const std::vector<float> x(12, 1.0f);
  std::vector<std::int8_t> q(12);
  REQUIRE_THROWS_MSG(qtz::quantize(x.data(), q.data(), other, p3), std::invalid_argument,
                         Contains("scale_shape [3]") && Contains("[4, 3]") && Contains("expected scale_shape [4]"));
  // Buffers that do not hold shape.size() elements.
  REQUIRE_THROWS_MSG(qtz::quantize(qtz::Span<const float>(x.data(), 11), qtz::Span<std::int8_t>(q.data(), 12), sh, p3),
                         std::invalid_argument, Contains("input has 11 elements") && Contains("[3, 4] needs 12"));
  REQUIRE_THROWS_MSG(qtz::dequantize(qtz::Span<const std::int8_t>(q.data(), 12), qtz::Span<float>(nullptr, 0), sh, p3),
                         std::invalid_argument, Contains("output has 0 elements") && Contains("needs 12"));
  std::vector<float> y(12);
  std::vector<std::uint8_t> mask(5);
  REQUIRE_THROWS_MSG(qtz::fake_quantize(qtz::Span<const float>(x.data(), 12), qtz::Span<float>(y.data(), 12), sh, p3,
                                            Layout::row_major, qtz::Span<std::uint8_t>(mask.data(), 5)),
                         std::invalid_argument, Contains("mask has 5 elements"));
  // A calibrator whose slot count changes between batches.
  qtz::MinMax mm;
  mm.observe(x.data(), sh, Layout::row_major, Granularity::channel(0));
  REQUIRE_THROWS_MSG(mm.observe(x.data(), sh, Layout::row_major, Granularity::channel(1)), std::invalid_argument,
                         Contains("this batch has 4") && Contains("earlier batches had 3"));
}

TEST_CASE("row 20: bad shapes (negative dimension, rank above 8)", "[robustness]") {
  REQUIRE_THROWS_MSG(Shape({2, -1}), std::invalid_argument, Contains("dimension -1 is negative"));
  REQUIRE_THROWS_MSG(Shape({1, 1, 1, 1, 1, 1, 1, 1, 1}), std::invalid_argument, Contains("shape rank = 9 is invalid; allowed: 0..8"));
  REQUIRE_NOTHROW(Shape({1, 1, 1, 1, 1, 1, 1, 1}));
}

TEST_CASE("row 21: codes outside the format's range are dequantized arithmetically, not checked", "[robustness]") {
  // uint4 codes are stored in uint8_t; a stray 200 is not rejected: x = (200 - 3) * 0.5 = 98.5.
  const Shape sh{2};
  const QuantParams p = qtz::params_from_scales({0.5f}, {3}, spec(4, false), Granularity::tensor(), sh);
  const std::vector<std::uint8_t> q = {200, 15};
  std::vector<float> x(2);
  qtz::dequantize(q.data(), x.data(), sh, p);
  CHECK(x[0] == 98.5f);
  CHECK(x[1] == 6.0f);
}

// ---------------------------------------------------------------- malformed .npy

TEST_CASE("row 22: malformed .npy files are rejected with a message saying what is wrong", "[robustness]") {
  const std::string ok_hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  REQUIRE(parse(npy_bytes(1, ok_hdr, 8)).element_count() == 2);  // the well-formed baseline
  struct Case {
    std::vector<unsigned char> bytes;
    const char* text;
  };
  std::vector<unsigned char> bad_magic = npy_bytes(1, ok_hdr, 8);
  bad_magic[1] = 'n';
  std::vector<unsigned char> long_hdr = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0, 2, 0};  // 2^17 bytes
  const std::vector<Case> cases = {
      {{}, "magic string"},
      {{0x93, 'N', 'U', 'M'}, "magic string"},
      {bad_magic, "magic string"},
      {npy_bytes(4, ok_hdr, 8), "version 4.0"},
      {npy_bytes(0, ok_hdr, 8), "version 0.0"},
      {{0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 5, 0}, "header length is cut off"},
      {long_hdr, "header length 131072 exceeds the limit of 65536"},
      {{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 80, 0, '{'}, "the header needs 80 bytes, 1 are present"},
      {npy_bytes(1, ok_hdr, 7), "the shape needs 8 data bytes, 7 are present"},
      {npy_bytes(1, ok_hdr, 9), "1 bytes follow the data"},
      {npy_bytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16), "dtype '<f8'"},
      {npy_bytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8), "dtype '>f4'"},
      {npy_bytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8), "structured dtypes"},
      {npy_bytes(1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", 8), "not True or False"},
      {npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8), "non-negative integer"},
      {npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8), "overflows int64"},
      {npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8),
       "element count overflows"},
      {npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8), "unexpected key 'x'"},
      {npy_bytes(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8), "appears twice"},
      {npy_bytes(1, "{'descr': '<f4', 'shape': (2,), }", 8), "are required"},
      {npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", 8), "ends early"},
      {npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk", 8), "after the closing"},
      {npy_bytes(1, "{'descr': '<f\\4', 'fortran_order': False, 'shape': (2,), }", 8), "escape sequences"},
  };
  for (const Case& c : cases) {
    INFO("expect: " << c.text);
    REQUIRE_THROWS_MSG(parse(c.bytes), std::runtime_error, Contains(c.text));
  }
  // A zero dimension makes any other dimension harmless: an empty array.
  CHECK(parse(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 9223372036854775807), }", 0))
            .element_count() == 0);
  // read_npy names the path.
  REQUIRE_THROWS_MSG(qtz::io::read_npy("/nonexistent/dir/x.npy"), std::runtime_error,
                         Contains("'/nonexistent/dir/x.npy'"));
  // A dtype other than the one asked for.
  REQUIRE_THROWS_MSG(parse(npy_bytes(1, ok_hdr, 8)).to_c_order<std::int8_t>(), std::runtime_error,
                         Contains("dtype float32, expected int8"));
}
