// Reader and writer of NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), for the dtypes qtz
// consumes and produces: little-endian float32 in any rank and in C or Fortran order, and the code
// types int8, uint8, int16, uint16 (plus float32 out).
//
// The format (numpy/lib/format.py): the magic "\x93NUMPY", a major and a minor version byte, the
// header length (uint16 little-endian for 1.0, uint32 for 2.0/3.0), then an ASCII (3.0: UTF-8)
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces and a newline, then the raw data. The reader treats the file as untrusted: every length
// is checked against the bytes actually present before anything is allocated, the header is
// parsed by a small grammar (never evaluated), and anything it does not understand throws
// std::runtime_error with a message that says what is wrong. It never reads out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace qtz {
namespace io {

/// Element types the reader accepts and the writer produces.
enum class NpyDtype : std::uint8_t { float32, int8, uint8, int16, uint16 };

/// The NumPy `descr` string of a dtype ('<f4', '|i1', '|u1', '<i2', '<u2').
inline const char* npy_descr(NpyDtype d) noexcept {
  switch (d) {
    case NpyDtype::float32: return "<f4";
    case NpyDtype::int8: return "|i1";
    case NpyDtype::uint8: return "|u1";
    case NpyDtype::int16: return "<i2";
    case NpyDtype::uint16: return "<u2";
  }
  return "?";
}
/// The NumPy name of a dtype ("float32", "int8", ...).
inline const char* npy_name(NpyDtype d) noexcept {
  switch (d) {
    case NpyDtype::float32: return "float32";
    case NpyDtype::int8: return "int8";
    case NpyDtype::uint8: return "uint8";
    case NpyDtype::int16: return "int16";
    case NpyDtype::uint16: return "uint16";
  }
  return "?";
}
inline std::size_t npy_itemsize(NpyDtype d) noexcept {
  return (d == NpyDtype::float32) ? 4 : (d == NpyDtype::int16 || d == NpyDtype::uint16) ? 2 : 1;
}

/// The dtype whose C++ type is T (float, int8_t, uint8_t, int16_t, uint16_t).
template <class T>
constexpr NpyDtype npy_dtype_of() noexcept {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint8_t> ||
                    std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::uint16_t>,
                "qtz::io: .npy element type must be float, int8_t, uint8_t, int16_t or uint16_t");
  if constexpr (std::is_same_v<T, float>) return NpyDtype::float32;
  else if constexpr (std::is_same_v<T, std::int8_t>) return NpyDtype::int8;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return NpyDtype::uint8;
  else if constexpr (std::is_same_v<T, std::int16_t>) return NpyDtype::int16;
  else return NpyDtype::uint16;
}

/// A parsed .npy file: its dtype, logical shape, memory order and raw little-endian data bytes.
struct NpyArray {
  NpyDtype dtype = NpyDtype::float32;
  std::vector<std::int64_t> shape;  ///< logical shape (rank 0 = a scalar, one element)
  bool fortran_order = false;       ///< data stored column-major (first index fastest)
  std::vector<unsigned char> data;  ///< element_count() * itemsize bytes, little-endian

  std::size_t element_count() const noexcept {
    std::size_t n = 1;
    for (auto d : shape) n *= static_cast<std::size_t>(d);
    return n;
  }

  /// The elements in C (row-major) order as T; throws std::runtime_error unless dtype matches T.
  template <class T>
  std::vector<T> to_c_order() const {
    if (dtype != npy_dtype_of<T>()) {
      throw std::runtime_error(std::string("qtz: .npy data has dtype ") + npy_name(dtype) + ", expected " +
                               npy_name(npy_dtype_of<T>()));
    }
    const std::size_t n = element_count();
    std::vector<T> mem(n);
    for (std::size_t i = 0; i < n; ++i) mem[i] = load<T>(i);
    if (!fortran_order || shape.size() < 2) return mem;
    // Fortran order: memory offset m holds the element whose first index varies fastest.
    std::vector<T> out(n);
    const std::size_t r = shape.size();
    std::vector<std::size_t> idx(r, 0);
    for (std::size_t m = 0; m < n; ++m) {
      std::size_t c = 0;
      for (std::size_t d = 0; d < r; ++d) c = c * static_cast<std::size_t>(shape[d]) + idx[d];
      out[c] = mem[m];
      for (std::size_t d = 0; d < r; ++d) {  // odometer, first index fastest
        if (++idx[d] < static_cast<std::size_t>(shape[d])) break;
        idx[d] = 0;
      }
    }
    return out;
  }

 private:
  template <class T>
  T load(std::size_t i) const noexcept {
    const unsigned char* p = data.data() + i * sizeof(T);
    if constexpr (sizeof(T) == 1) {
      T v;
      std::memcpy(&v, p, 1);
      return v;
    } else {
      // Little-endian bytes to the host's representation, whatever the host's byte order.
      using U = std::conditional_t<sizeof(T) == 2, std::uint16_t, std::uint32_t>;
      U u = 0;
      for (std::size_t b = sizeof(T); b-- > 0;) u = static_cast<U>((u << 8) | p[b]);
      T v;
      std::memcpy(&v, &u, sizeof(T));
      return v;
    }
  }
};

/// Largest header accepted (NumPy itself refuses headers over 10000 bytes unless told otherwise).
inline constexpr std::size_t npy_max_header_bytes = 1u << 16;
/// Largest rank accepted (NumPy's own limit is 32 / 64).
inline constexpr std::size_t npy_max_rank = 64;

namespace detail {

/// A recursive-descent parser of the header dict literal. Accepts exactly the three keys.
class NpyHeaderParser {
 public:
  NpyHeaderParser(const char* s, std::size_t n) : s_(s), n_(n) {}

  void parse(NpyArray& a) {
    bool have_descr = false, have_order = false, have_shape = false;
    std::string descr;
    skip_ws();
    expect('{');
    skip_ws();
    while (peek() != '}') {
      const std::string key = string_literal();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (have_descr) fail("the key 'descr' appears twice");
        if (peek() != '\'' && peek() != '"') fail("'descr' is not a string (structured dtypes are not supported)");
        descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_order) fail("the key 'fortran_order' appears twice");
        a.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        if (have_shape) fail("the key 'shape' appears twice");
        a.shape = shape_tuple();
        have_shape = true;
      } else {
        fail("unexpected key '" + printable(key) + "'");
      }
      skip_ws();
      if (peek() == ',') {
        ++i_;
        skip_ws();
      } else if (peek() != '}') {
        fail("expected ',' or '}' after the value of '" + key + "'");
      }
    }
    ++i_;
    skip_ws();
    if (i_ != n_) fail("unexpected characters after the closing '}'");
    if (!have_descr || !have_order || !have_shape) fail("the keys 'descr', 'fortran_order' and 'shape' are required");
    a.dtype = dtype_of(descr);
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("qtz: malformed .npy header: " + why);
  }
  static std::string printable(const std::string& s) {
    std::string o;
    for (char c : s.substr(0, 40)) o += (c >= 0x20 && c < 0x7f) ? c : '?';
    return o;
  }
  char peek() const {
    if (i_ >= n_) fail("the header dict ends early");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "' at header offset " + std::to_string(i_));
    ++i_;
  }
  void skip_ws() {
    while (i_ < n_ && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted key at header offset " + std::to_string(i_));
    ++i_;
    std::string out;
    while (peek() != q) {
      if (s_[i_] == '\\') fail("escape sequences in header strings are not supported");
      out += s_[i_++];
      if (out.size() > 64) fail("a header string is longer than 64 characters");
    }
    ++i_;
    return out;
  }
  bool boolean() {
    if (n_ - i_ >= 4 && std::memcmp(s_ + i_, "True", 4) == 0) {
      i_ += 4;
      return true;
    }
    if (n_ - i_ >= 5 && std::memcmp(s_ + i_, "False", 5) == 0) {
      i_ += 5;
      return false;
    }
    fail("'fortran_order' is not True or False");
  }
  std::int64_t dimension() {
    if (peek() < '0' || peek() > '9') fail("a shape dimension is not a non-negative integer");
    std::int64_t v = 0;
    while (i_ < n_ && s_[i_] >= '0' && s_[i_] <= '9') {
      const int digit = s_[i_++] - '0';
      if (v > (std::numeric_limits<std::int64_t>::max() - digit) / 10) fail("a shape dimension overflows int64");
      v = v * 10 + digit;
    }
    if (i_ < n_ && s_[i_] == 'L') ++i_;  // Python 2 long suffix
    return v;
  }
  std::vector<std::int64_t> shape_tuple() {
    expect('(');
    std::vector<std::int64_t> dims;
    skip_ws();
    while (peek() != ')') {
      dims.push_back(dimension());
      if (dims.size() > npy_max_rank) fail("the shape has more than " + std::to_string(npy_max_rank) + " dimensions");
      skip_ws();
      if (peek() == ',') {
        ++i_;
        skip_ws();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape tuple");
      }
    }
    ++i_;
    return dims;
  }
  static NpyDtype dtype_of(const std::string& d) {
    if (d == "<f4") return NpyDtype::float32;
    if (d == "|i1" || d == "<i1" || d == "i1") return NpyDtype::int8;
    if (d == "|u1" || d == "<u1" || d == "u1") return NpyDtype::uint8;
    if (d == "<i2") return NpyDtype::int16;
    if (d == "<u2") return NpyDtype::uint16;
    std::string o;
    for (char c : d.substr(0, 16)) o += (c >= 0x20 && c < 0x7f) ? c : '?';
    throw std::runtime_error("qtz: unsupported .npy dtype '" + o +
                             "'; supported: little-endian float32 ('<f4'), int8, uint8, int16, uint16");
  }

  const char* s_;
  std::size_t n_;
  std::size_t i_ = 0;
};

}  // namespace detail

/// Parses a complete .npy file held in memory. Throws std::runtime_error for a malformed,
/// truncated or oversized file or an unsupported dtype; never reads outside [bytes, bytes + size).
inline NpyArray parse_npy(const unsigned char* bytes, std::size_t size) {
  static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(bytes, magic, 6) != 0) {
    throw std::runtime_error("qtz: not a .npy file (the magic string \\x93NUMPY is missing)");
  }
  const unsigned major = bytes[6];
  if (major < 1 || major > 3) {
    throw std::runtime_error("qtz: unsupported .npy format version " + std::to_string(major) + "." +
                             std::to_string(bytes[7]) + "; supported: 1.0, 2.0, 3.0");
  }
  std::size_t prefix = 10, header_len = std::size_t{bytes[8]} | (std::size_t{bytes[9]} << 8);
  if (major >= 2) {
    if (size < 12) throw std::runtime_error("qtz: truncated .npy file (the header length is cut off)");
    prefix = 12;
    header_len |= (std::size_t{bytes[10]} << 16) | (std::size_t{bytes[11]} << 24);
  }
  if (header_len > npy_max_header_bytes) {
    throw std::runtime_error("qtz: .npy header length " + std::to_string(header_len) + " exceeds the limit of " +
                             std::to_string(npy_max_header_bytes) + " bytes");
  }
  if (header_len > size - prefix) {
    throw std::runtime_error("qtz: truncated .npy file: the header needs " + std::to_string(header_len) +
                             " bytes, " + std::to_string(size - prefix) + " are present");
  }
  NpyArray a;
  detail::NpyHeaderParser(reinterpret_cast<const char*>(bytes + prefix), header_len).parse(a);
  // Element count with overflow checks, then compared with the bytes that are really there.
  const std::size_t item = npy_itemsize(a.dtype);
  const std::size_t avail = size - prefix - header_len;
  std::size_t n = 1;
  bool overflow = false;
  for (auto d : a.shape) {
    const auto ud = static_cast<std::uint64_t>(d);
    if (ud != 0 && n > std::numeric_limits<std::size_t>::max() / item / ud) overflow = true;
    else n *= static_cast<std::size_t>(ud);
  }
  if (overflow) {
    // A zero dimension still makes the tensor empty.
    bool empty = false;
    for (auto d : a.shape) empty = empty || d == 0;
    if (!empty) throw std::runtime_error("qtz: .npy shape element count overflows; the file cannot hold it");
    n = 0;
  }
  const std::size_t need = n * item;
  if (need > avail) {
    throw std::runtime_error("qtz: truncated .npy file: the shape needs " + std::to_string(need) + " data bytes, " +
                             std::to_string(avail) + " are present");
  }
  if (need < avail) {
    throw std::runtime_error("qtz: malformed .npy file: " + std::to_string(avail - need) +
                             " bytes follow the data the shape describes");
  }
  const unsigned char* d = bytes + prefix + header_len;
  a.data.assign(d, d + need);
  return a;
}

/// Reads a .npy file. Throws std::runtime_error naming the path when it cannot be read or parsed.
inline NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("qtz: cannot open '" + path + "' for reading");
  std::vector<unsigned char> bytes;
  char buf[1 << 16];
  while (f) {
    f.read(buf, sizeof buf);
    const auto got = static_cast<std::size_t>(f.gcount());
    bytes.insert(bytes.end(), buf, buf + got);
  }
  if (f.bad()) throw std::runtime_error("qtz: error reading '" + path + "' (is it a directory?)");
  try {
    return parse_npy(bytes.data(), bytes.size());
  } catch (const std::runtime_error& e) {
    std::string m = e.what();
    if (m.rfind("qtz: ", 0) == 0) m = m.substr(5);
    throw std::runtime_error("qtz: '" + path + "': " + m);
  }
}

/// The bytes of a .npy file (format 1.0, or 2.0 when the header needs it) holding `shape` in C
/// order from `data` (shape's element count entries).
template <class T>
std::vector<unsigned char> make_npy(const T* data, const std::vector<std::int64_t>& shape) {
  std::string dict = std::string("{'descr': '") + npy_descr(npy_dtype_of<T>()) + "', 'fortran_order': False, 'shape': (";
  std::size_t n = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) throw std::invalid_argument("qtz: .npy shape dimension " + std::to_string(shape[i]) + " is negative");
    dict += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    if (i + 1 < shape.size()) dict += " ";
    n *= static_cast<std::size_t>(shape[i]);
  }
  dict += "), }";
  // Total prefix + header is a multiple of 64; the header ends with '\n'.
  std::size_t prefix = 10;
  std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  if (total - prefix > 0xffff) {
    prefix = 12;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  const std::size_t header_len = total - prefix;
  dict.append(header_len - dict.size() - 1, ' ');
  dict += '\n';
  std::vector<unsigned char> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<unsigned char>(prefix == 10 ? 1 : 2), 0};
  for (std::size_t b = 0; b < prefix - 8; ++b) out.push_back(static_cast<unsigned char>((header_len >> (8 * b)) & 0xff));
  out.insert(out.end(), dict.begin(), dict.end());
  out.reserve(out.size() + n * sizeof(T));
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char b[sizeof(T)];
    if constexpr (sizeof(T) == 1) {
      std::memcpy(b, data + i, 1);
    } else {
      using U = std::conditional_t<sizeof(T) == 2, std::uint16_t, std::uint32_t>;
      U u;
      std::memcpy(&u, data + i, sizeof(T));
      for (std::size_t k = 0; k < sizeof(T); ++k) b[k] = static_cast<unsigned char>((u >> (8 * k)) & 0xffu);
    }
    out.insert(out.end(), b, b + sizeof(T));
  }
  return out;
}

/// Writes `data` (C order, shape's element count entries) as a .npy file. Throws
/// std::runtime_error when the file cannot be written.
template <class T>
void write_npy(const std::string& path, const T* data, const std::vector<std::int64_t>& shape) {
  const std::vector<unsigned char> bytes = make_npy(data, shape);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("qtz: cannot open '" + path + "' for writing");
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) throw std::runtime_error("qtz: error writing '" + path + "'");
}

}  // namespace io
}  // namespace qtz
