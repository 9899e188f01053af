// qtz/io/npy.hpp: reading NumPy-written files (tests/data/npy/, made by tests/data/gen_npy.py),
// writing byte-identical files, and refusing malformed, truncated or oversized input cleanly.
#include <catch2/catch.hpp>

#include <qtz/io/npy.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

const std::string npy_dir = std::string(QTZ_TEST_DATA_DIR) + "/npy/";

std::vector<unsigned char> file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return std::vector<unsigned char>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::vector<unsigned char> with_header(const std::string& dict, std::size_t data_bytes, unsigned char major = 1) {
  std::vector<unsigned char> b = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  const std::size_t len = dict.size();
  b.push_back(static_cast<unsigned char>(len & 0xff));
  b.push_back(static_cast<unsigned char>((len >> 8) & 0xff));
  if (major >= 2) {
    b.push_back(static_cast<unsigned char>((len >> 16) & 0xff));
    b.push_back(static_cast<unsigned char>((len >> 24) & 0xff));
  }
  b.insert(b.end(), dict.begin(), dict.end());
  b.insert(b.end(), data_bytes, 0);
  return b;
}

std::string parse_error(const std::vector<unsigned char>& b) {
  try {
    (void)qtz::io::parse_npy(b.data(), b.size());
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("float32 C and Fortran order files written by NumPy read back in logical C order") {
  // Expected values from the generator's closed form: v(i) = (i - 11) * 0.375, v(5) = float(1/3).
  std::vector<float> expect(24);
  for (int i = 0; i < 24; ++i) expect[static_cast<std::size_t>(i)] = static_cast<float>(i - 11) * 0.375f;
  expect[5] = static_cast<float>(1.0 / 3.0);
  for (const char* name : {"f32_c.npy", "f32_f.npy"}) {
    const qtz::io::NpyArray a = qtz::io::read_npy(npy_dir + name);
    CHECK(a.dtype == qtz::io::NpyDtype::float32);
    CHECK(a.shape == std::vector<std::int64_t>{2, 3, 4});
    CHECK(a.fortran_order == (std::string(name) == "f32_f.npy"));
    CHECK(a.to_c_order<float>() == expect);
  }
  // Fortran order, 3-D: v(i) = (i % 7) - 2.5 + i / 64 at logical C index i = (a*4 + b)*5 + c.
  const qtz::io::NpyArray f = qtz::io::read_npy(npy_dir + "f32_3d_f.npy");
  REQUIRE(f.fortran_order);
  REQUIRE(f.shape == std::vector<std::int64_t>{3, 4, 5});
  const std::vector<float> v = f.to_c_order<float>();
  REQUIRE(v.size() == 60);
  for (int i = 0; i < 60; ++i) CHECK(v[static_cast<std::size_t>(i)] == static_cast<float>((i % 7) - 2.5 + i / 64.0));
  // ... and in memory the first index runs fastest: element (1, 0, 0) (C index 20) is stored second.
  float second;
  std::memcpy(&second, f.data.data() + 4, 4);
  CHECK(second == static_cast<float>((20 % 7) - 2.5 + 20 / 64.0));
}

TEST_CASE("scalars, empty tensors, format 2.0 and the integer dtypes") {
  const qtz::io::NpyArray s = qtz::io::read_npy(npy_dir + "f32_scalar.npy");
  CHECK(s.shape.empty());
  CHECK(s.to_c_order<float>() == std::vector<float>{2.5f});
  const qtz::io::NpyArray e = qtz::io::read_npy(npy_dir + "f32_empty.npy");
  CHECK(e.shape == std::vector<std::int64_t>{0, 3});
  CHECK(e.to_c_order<float>().empty());
  const qtz::io::NpyArray v2 = qtz::io::read_npy(npy_dir + "f32_v2.npy");
  CHECK(v2.to_c_order<float>() == std::vector<float>{-2, -1, 0, 1, 2});

  CHECK(qtz::io::read_npy(npy_dir + "i8.npy").to_c_order<std::int8_t>() == std::vector<std::int8_t>{-128, -1, 0, 1, 7, 127});
  CHECK(qtz::io::read_npy(npy_dir + "u8.npy").to_c_order<std::uint8_t>() == std::vector<std::uint8_t>{0, 1, 128, 255});
  const qtz::io::NpyArray i16 = qtz::io::read_npy(npy_dir + "i16.npy");
  CHECK(i16.shape == std::vector<std::int64_t>{2, 2});
  CHECK(i16.to_c_order<std::int16_t>() == std::vector<std::int16_t>{-32768, -1, 2, 32767});
  CHECK(qtz::io::read_npy(npy_dir + "u16.npy").to_c_order<std::uint16_t>() == std::vector<std::uint16_t>{0, 258, 65535});
  // Asking for the wrong element type is an error, not a reinterpretation.
  CHECK_THROWS_AS(i16.to_c_order<std::uint16_t>(), std::runtime_error);
}

TEST_CASE("the writer produces the bytes NumPy writes") {
  std::vector<float> a(24);
  for (int i = 0; i < 24; ++i) a[static_cast<std::size_t>(i)] = static_cast<float>(i - 11) * 0.375f;
  a[5] = static_cast<float>(1.0 / 3.0);
  CHECK(qtz::io::make_npy(a.data(), {2, 3, 4}) == file_bytes(npy_dir + "f32_c.npy"));
  const std::int8_t i8[] = {-128, -1, 0, 1, 7, 127};
  CHECK(qtz::io::make_npy(i8, {6}) == file_bytes(npy_dir + "i8.npy"));
  const std::uint8_t u8[] = {0, 1, 128, 255};
  CHECK(qtz::io::make_npy(u8, {4}) == file_bytes(npy_dir + "u8.npy"));
  const std::int16_t i16[] = {-32768, -1, 2, 32767};
  CHECK(qtz::io::make_npy(i16, {2, 2}) == file_bytes(npy_dir + "i16.npy"));
  const std::uint16_t u16[] = {0, 258, 65535};
  CHECK(qtz::io::make_npy(u16, {3}) == file_bytes(npy_dir + "u16.npy"));
  const float scalar = 2.5f;
  CHECK(qtz::io::make_npy(&scalar, {}) == file_bytes(npy_dir + "f32_scalar.npy"));
  CHECK(qtz::io::make_npy(static_cast<const float*>(nullptr), {0, 3}) == file_bytes(npy_dir + "f32_empty.npy"));

  // write_npy + read_npy round trip through a file.
  const std::string tmp = "qtz_npy_test_roundtrip.npy";
  qtz::io::write_npy(tmp, u16, {3});
  CHECK(qtz::io::read_npy(tmp).to_c_order<std::uint16_t>() == std::vector<std::uint16_t>{0, 258, 65535});
  std::remove(tmp.c_str());
  CHECK_THROWS_AS(qtz::io::write_npy("/nonexistent-dir/x.npy", u16, {3}), std::runtime_error);
}

TEST_CASE("every truncation of a valid file is refused with a clear error") {
  for (const char* name : {"f32_c.npy", "f32_v2.npy", "i16.npy"}) {
    const std::vector<unsigned char> full = file_bytes(npy_dir + name);
    for (std::size_t n = 0; n < full.size(); ++n) {
      const std::vector<unsigned char> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      INFO(name << " cut to " << n << " bytes");
      CHECK(parse_error(cut).rfind("qtz: ", 0) == 0);
    }
    CHECK(parse_error(full).empty());
    std::vector<unsigned char> longer = full;
    longer.push_back(0);
    CHECK(parse_error(longer).find("follow the data") != std::string::npos);
  }
}

TEST_CASE("malformed headers, unsupported dtypes and huge shapes are refused") {
  const auto err = [](const std::string& dict, std::size_t data = 0, unsigned char major = 1) {
    return parse_error(with_header(dict, data, major));
  };
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  CHECK(err(ok, 8).empty());
  CHECK(err(ok, 8, 2).empty());
  CHECK(err(ok, 8, 3).empty());
  CHECK(err(ok, 8, 4).find("format version 4") != std::string::npos);
  CHECK(err(ok, 4).find("truncated") != std::string::npos);
  CHECK(err("{\"descr\": \"<f4\", \"fortran_order\": True, \"shape\": (2,)}", 8).empty());  // double quotes

  CHECK(err("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8).find("unsupported .npy dtype '>f4'") != std::string::npos);
  CHECK(err("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16).find("'<f8'") != std::string::npos);
  CHECK(err("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", 2).find("unsupported") != std::string::npos);
  CHECK(err("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8).find("structured") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'shape': (2,), }", 8).find("required") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8).find("twice") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8).find("unexpected key 'x'") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8).find("True or False") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8).find("non-negative") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }", 8).find("expected ','") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", 8).find("expected '('") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", 8).find("after the closing") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", 8).find("ends early") != std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8).find("overflows int64") !=
        std::string::npos);
  // Shapes whose byte count overflows, or that need far more bytes than the file holds: refused
  // before any allocation.
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 8).find("overflows") !=
        std::string::npos);
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }", 8).find("truncated") !=
        std::string::npos);
  // ... but a zero dimension makes any other dimension harmless.
  CHECK(err("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4), }", 0).empty());
  std::string deep = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < 70; ++i) deep += "1,";
  CHECK(err(deep + "), }", 4).find("more than 64 dimensions") != std::string::npos);

  // Bad magic, and a header length beyond the limit (format 2.0 allows 4 GiB).
  std::vector<unsigned char> b = with_header(ok, 8);
  b[1] = 'X';
  CHECK(parse_error(b).find("magic") != std::string::npos);
  std::vector<unsigned char> huge = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff};
  CHECK(parse_error(huge).find("exceeds the limit") != std::string::npos);
}

TEST_CASE("read_npy names the path of a missing or unreadable file") {
  try {
    (void)qtz::io::read_npy("no-such-file.npy");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "qtz: cannot open 'no-such-file.npy' for reading");
  }
  CHECK_THROWS_AS(qtz::io::read_npy(QTZ_TEST_DATA_DIR), std::runtime_error);  // a directory
}
