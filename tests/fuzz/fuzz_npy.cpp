// Fuzz harness (c): the .npy reader on arbitrary bytes (docs/robustness.md §4).
//
// parse_npy must either throw std::runtime_error or return an array whose data holds exactly
// element_count() * itemsize bytes; to_c_order() of its dtype must then work, and writing the
// elements back with make_npy and reading them again must give the same elements (C order).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <qtz/io/npy.hpp>

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_npy: property violated: %s\n", what);
  std::abort();
}

template <class T>
void round_trip(const qtz::io::NpyArray& a) {
  const std::vector<T> c = a.to_c_order<T>();
  if (c.size() != a.element_count()) fail("to_c_order size");
  const std::vector<unsigned char> bytes = qtz::io::make_npy(c.data(), a.shape);
  const qtz::io::NpyArray b = qtz::io::parse_npy(bytes.data(), bytes.size());
  if (b.shape != a.shape || b.dtype != a.dtype || b.fortran_order) fail("re-read header differs");
  const std::vector<T> d = b.to_c_order<T>();
  if (d.size() != c.size() || (!c.empty() && std::memcmp(c.data(), d.data(), c.size() * sizeof(T)) != 0))
    fail("re-read data differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const unsigned char empty = 0;
  qtz::io::NpyArray a;
  try {
    a = qtz::io::parse_npy(data ? data : &empty, size);
  } catch (const std::runtime_error&) {
    return 0;
  }
  if (a.data.size() != a.element_count() * qtz::io::npy_itemsize(a.dtype)) fail("data size != shape");
  if (a.element_count() > size) fail("more elements than input bytes");
  switch (a.dtype) {
    case qtz::io::NpyDtype::float32: round_trip<float>(a); break;
    case qtz::io::NpyDtype::int8: round_trip<std::int8_t>(a); break;
    case qtz::io::NpyDtype::uint8: round_trip<std::uint8_t>(a); break;
    case qtz::io::NpyDtype::int16: round_trip<std::int16_t>(a); break;
    case qtz::io::NpyDtype::uint16: round_trip<std::uint16_t>(a); break;
  }
  return 0;
}
