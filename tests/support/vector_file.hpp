// Reader of the line-based test-vector files in tests/data/ (written by the gen_*.py scripts there).
//
// Format: lines starting with '#' are comments; a case is
//   case ID
//   KEY TOKEN TOKEN ...     (one field per line, e.g. `scale 0x3d004de5`, `q 255 108 3`)
//   end
// Floats are written as the hexadecimal bit pattern of the float32 (`0x3f800000`), so they read back
// exactly; integers in decimal. Anything malformed throws std::runtime_error naming file and line.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace qtz_test {

struct VectorCase {
  std::string id;
  std::map<std::string, std::vector<std::string>> fields;

  bool has(const std::string& key) const { return fields.count(key) != 0; }

  const std::vector<std::string>& tokens(const std::string& key) const {
    const auto it = fields.find(key);
    if (it == fields.end()) throw std::runtime_error("vector case " + id + ": no field '" + key + "'");
    return it->second;
  }

  std::string str(const std::string& key) const {
    const auto& t = tokens(key);
    if (t.size() != 1) throw std::runtime_error("vector case " + id + ": field '" + key + "' is not one token");
    return t[0];
  }

  /// Floats from their bit patterns ("0x3f800000").
  std::vector<float> floats(const std::string& key) const {
    std::vector<float> out;
    for (const std::string& t : tokens(key)) {
      if (t.size() != 10 || t[0] != '0' || t[1] != 'x') {
        throw std::runtime_error("vector case " + id + ": field '" + key + "': '" + t + "' is not 0xXXXXXXXX");
      }
      const auto bits = static_cast<std::uint32_t>(std::stoul(t.substr(2), nullptr, 16));
      float f = 0;
      std::memcpy(&f, &bits, sizeof f);
      out.push_back(f);
    }
    return out;
  }

  std::vector<std::int64_t> ints(const std::string& key) const {
    std::vector<std::int64_t> out;
    for (const std::string& t : tokens(key)) {
      std::size_t used = 0;
      const long long v = std::stoll(t, &used, 10);
      if (used != t.size()) throw std::runtime_error("vector case " + id + ": field '" + key + "': bad integer " + t);
      out.push_back(v);
    }
    return out;
  }
};

/// Reads every case of `path`; throws std::runtime_error if the file cannot be opened or is malformed.
inline std::vector<VectorCase> read_vector_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open test-vector file " + path);
  std::vector<VectorCase> cases;
  std::string line;
  bool open = false;
  std::size_t line_no = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string key;
    ls >> key;
    std::vector<std::string> toks;
    for (std::string t; ls >> t;) toks.push_back(t);
    if (key == "case") {
      if (open) fail("'case' inside a case");
      if (toks.size() != 1) fail("'case' needs exactly one id");
      cases.push_back(VectorCase{toks[0], {}});
      open = true;
    } else if (key == "end") {
      if (!open) fail("'end' outside a case");
      open = false;
    } else {
      if (!open) fail("field '" + key + "' outside a case");
      if (cases.back().fields.count(key)) fail("field '" + key + "' twice");
      cases.back().fields[key] = std::move(toks);
    }
  }
  if (open) fail("last case has no 'end'");
  return cases;
}

}  // namespace qtz_test
