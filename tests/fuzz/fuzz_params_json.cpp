// Fuzz harness (d): the command-line tool's PARAMS.json reader on arbitrary bytes
// (docs/robustness.md §4).
//
// The reader, read_params(path), is a function in an anonymous namespace of
// examples/tools/qtz_cli.cpp that takes a file path; it is not factored into a library function
// that parses bytes. This harness therefore compiles the tool's source into its own translation
// unit (with the tool's main() renamed) and writes each input to a private temporary file.
// Properties: read_params either throws BadInput (the tool's "exit 2" error) or returns parameters
// that pass QuantParams::validate(); those parameters, written back with the tool's own writer and
// read again, give the same parameters.
#define main qtz_cli_main_unused
#include "../../examples/tools/qtz_cli.cpp"
#undef main

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void fuzz_fail(const char* what) {
  std::fprintf(stderr, "fuzz_params_json: property violated: %s\n", what);
  std::abort();
}

const std::string& temp_path() {
  static const std::string p = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/qtz_fuzz_params_" + std::to_string(::getpid()) + ".json";
  }();
  return p;
}

bool same(const QuantParams& a, const QuantParams& b) {
  return a.format == b.format && a.scheme == b.scheme && a.compat == b.compat && a.scale_op == b.scale_op &&
         a.dequant_op == b.dequant_op && a.rounding == b.rounding && a.seed == b.seed && a.qmin == b.qmin &&
         a.qmax == b.qmax && a.fake_qmin == b.fake_qmin && a.fake_qmax == b.fake_qmax &&
         a.granularity.kind == b.granularity.kind && a.granularity.axis == b.granularity.axis &&
         a.granularity.block_size == b.granularity.block_size && a.scale_shape == b.scale_shape &&
         a.scale == b.scale && a.inv_scale == b.inv_scale && a.zero_point == b.zero_point &&
         a.range_min == b.range_min && a.range_max == b.range_max;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = temp_path();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  QuantParams p;
  try {
    p = read_params(path);
  } catch (const BadInput&) {
    return 0;
  }
  try {
    p.validate();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz_fail("read_params returned parameters that fail validate()");
  }
  write_text(path, params_json(p));
  QuantParams q;
  try {
    q = read_params(path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz_fail("the tool cannot read back what it wrote");
  }
  if (!same(p, q)) fuzz_fail("write + read changed the parameters");
  return 0;
}
