// core/format.hpp: the formats that exist, their code ranges and names, the compile-time tags,
// storage checks, and the errors for formats that do not exist (DESIGN §7, §8).
#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <qtz/core/format.hpp>
#include <qtz/core/shape.hpp>

using Catch::Matchers::Contains;

namespace {
struct Row {
  const char* name;
  int bits;
  bool is_signed;
  std::int32_t qmin, qmax;
};
// Written out by hand.
const Row kRows[] = {
    {"int2", 2, true, -2, 1},         {"int3", 3, true, -4, 3},       {"int4", 4, true, -8, 7},
    {"int5", 5, true, -16, 15},       {"int6", 6, true, -32, 31},     {"int7", 7, true, -64, 63},
    {"int8", 8, true, -128, 127},     {"int16", 16, true, -32768, 32767},
    {"uint2", 2, false, 0, 3},        {"uint3", 3, false, 0, 7},      {"uint4", 4, false, 0, 15},
    {"uint5", 5, false, 0, 31},       {"uint6", 6, false, 0, 63},     {"uint7", 7, false, 0, 127},
    {"uint8", 8, false, 0, 255},      {"uint16", 16, false, 0, 65535},
};
}  // namespace

TEST_CASE("every format: code range, name, parse round trip", "[format]") {
  for (const Row& r : kRows) {
    INFO(r.name);
    const qtz::Format f = qtz::Format::make(r.bits, r.is_signed);
    CHECK(f.bits == r.bits);
    CHECK(f.is_signed == r.is_signed);
    CHECK(f.qmin() == r.qmin);
    CHECK(f.qmax() == r.qmax);
    CHECK(f.name() == r.name);
    CHECK(qtz::Format::parse(r.name) == f);
    CHECK_FALSE(qtz::Format::parse(r.name) != f);
  }
  CHECK(qtz::Format::make(8, true) != qtz::Format::make(8, false));
  CHECK(qtz::Format::make(4, true) != qtz::Format::make(8, true));
  static_assert(qtz::Format{16, false}.qmax() == 65535, "constexpr qmax");
}

TEST_CASE("Format::make rejects bits that do not exist, naming the value", "[format][errors]") {
  for (int b : {-1, 0, 1, 9, 10, 12, 15, 17, 24, 32, 64}) {
    INFO("bits " << b);
    for (bool s : {true, false}) {
      REQUIRE_THROWS_AS(qtz::Format::make(b, s), std::invalid_argument);
      REQUIRE_THROWS_WITH(qtz::Format::make(b, s), Contains("bits = " + std::to_string(b)) && Contains("allowed"));
    }
  }
}

TEST_CASE("Format::parse rejects unknown names, naming the value", "[format][errors]") {
  for (const char* bad : {"int1", "int9", "uint1", "uint9", "int32", "uint32", "int12", "float8", "int", "uint",
                          "", "INT8", "i8", "u8", "int8 ", " int8", "int-8", "int+8", "uint8x", "int123"}) {
    INFO("'" << bad << "'");
    REQUIRE_THROWS_AS(qtz::Format::parse(bad), std::invalid_argument);
    REQUIRE_THROWS_WITH(qtz::Format::parse(bad),
                        Contains(std::string("'") + bad + "'") && Contains("allowed") && Contains("int2"));
  }
}

TEST_CASE("format_traits: storage, bits and signedness of every tag", "[format]") {
  using qtz::format_traits;
  static_assert(std::is_same_v<qtz::storage_t<std::int8_t>, std::int8_t>, "");
  static_assert(std::is_same_v<qtz::storage_t<std::uint8_t>, std::uint8_t>, "");
  static_assert(std::is_same_v<qtz::storage_t<std::int16_t>, std::int16_t>, "");
  static_assert(std::is_same_v<qtz::storage_t<std::uint16_t>, std::uint16_t>, "");
  static_assert(std::is_same_v<qtz::storage_t<qtz::Int<4>>, std::int8_t>, "int4 in int8_t");
  static_assert(std::is_same_v<qtz::storage_t<qtz::UInt<2>>, std::uint8_t>, "uint2 in uint8_t");
  static_assert(format_traits<qtz::Int<3>>::bits == 3 && format_traits<qtz::Int<3>>::is_signed, "");
  static_assert(format_traits<qtz::UInt<7>>::bits == 7 && !format_traits<qtz::UInt<7>>::is_signed, "");
  static_assert(format_traits<std::uint16_t>::format() == qtz::Format{16, false}, "");
  static_assert(format_traits<qtz::Int<8>>::format() == qtz::Format{8, true}, "");
  static_assert(qtz::is_storage_v<std::int16_t> && !qtz::is_storage_v<int> && !qtz::is_storage_v<char>, "");
  CHECK(format_traits<qtz::UInt<5>>::format().qmax() == 31);
  CHECK(format_traits<qtz::Int<5>>::format().qmin() == -16);
}

TEST_CASE("check_storage_holds: signedness must match and the width must suffice", "[format][errors]") {
  using qtz::Format;
  CHECK_NOTHROW(qtz::check_storage_holds<std::int8_t>(Format::make(8, true)));
  CHECK_NOTHROW(qtz::check_storage_holds<std::int8_t>(Format::make(2, true)));
  CHECK_NOTHROW(qtz::check_storage_holds<std::int16_t>(Format::make(16, true)));
  CHECK_NOTHROW(qtz::check_storage_holds<std::int16_t>(Format::make(8, true)));  // wider storage is fine
  CHECK_NOTHROW(qtz::check_storage_holds<std::uint16_t>(Format::make(4, false)));
  REQUIRE_THROWS_AS(qtz::check_storage_holds<std::uint8_t>(Format::make(8, true)), std::invalid_argument);
  REQUIRE_THROWS_WITH(qtz::check_storage_holds<std::uint8_t>(Format::make(8, true)),
                      Contains("8-bit unsigned") && Contains("int8") &&
                          Contains("allowed: signed storage of at least 8 bits"));
  REQUIRE_THROWS_WITH(qtz::check_storage_holds<std::int8_t>(Format::make(8, false)),
                      Contains("8-bit signed") && Contains("uint8"));
  REQUIRE_THROWS_WITH(qtz::check_storage_holds<std::int8_t>(Format::make(16, true)),
                      Contains("8-bit signed") && Contains("int16"));
  REQUIRE_THROWS_WITH(qtz::check_storage_holds<std::uint8_t>(Format::make(16, false)), Contains("uint16"));
  REQUIRE_THROWS_WITH(qtz::check_storage_holds<std::int16_t>(Format::make(16, false)), Contains("uint16"));
}

TEST_CASE("normalize_axis: negative axes accepted, out of range rejected naming the axis", "[shape][errors]") {
  CHECK(qtz::normalize_axis(0, 3) == 0);
  CHECK(qtz::normalize_axis(2, 3) == 2);
  CHECK(qtz::normalize_axis(-1, 3) == 2);
  CHECK(qtz::normalize_axis(-3, 3) == 0);
  CHECK(qtz::normalize_axis(-1, 1) == 0);
  REQUIRE_THROWS_AS(qtz::normalize_axis(3, 3), std::invalid_argument);
  REQUIRE_THROWS_WITH(qtz::normalize_axis(3, 3), Contains("axis = 3") && Contains("[-3, 2]"));
  REQUIRE_THROWS_WITH(qtz::normalize_axis(-4, 3), Contains("axis = -4") && Contains("[-3, 2]"));
  REQUIRE_THROWS_WITH(qtz::normalize_axis(0, 0), Contains("axis = 0") && Contains("rank-0"));
  REQUIRE_THROWS_WITH(qtz::normalize_axis(100, 2), Contains("axis = 100"));
}

TEST_CASE("Granularity::group rejects group size 0 and negative sizes, naming the value", "[shape][errors]") {
  CHECK(qtz::Granularity::group(1, 1).block_size == 1);
  CHECK(qtz::Granularity::group(-1, 32).axis == -1);
  REQUIRE_THROWS_AS(qtz::Granularity::group(0, 0), std::invalid_argument);
  REQUIRE_THROWS_WITH(qtz::Granularity::group(0, 0), Contains("block_size) = 0") && Contains(">= 1"));
  REQUIRE_THROWS_WITH(qtz::Granularity::group(0, -5), Contains("= -5"));
  REQUIRE_THROWS_WITH((qtz::PerGroup{0, 0}.granularity()), Contains("= 0"));
}
