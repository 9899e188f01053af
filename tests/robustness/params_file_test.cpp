// Malformed PARAMS.json files (docs/robustness.md, row 23): the command-line tool's reader,
// read_params(path) in examples/tools/qtz_cli.cpp. It lives in an anonymous namespace of the tool's
// source and takes a path, so this file compiles the tool's source into its own translation unit
// (main renamed) and writes each case to a temporary file. Every bad file must give the tool's
// BadInput (exit status 2) with a message naming the file, the field and what is allowed.
// Skipped (with a warning) where nlohmann/json.hpp is not on the include path (the aarch64 cross build).
#include <catch2/catch.hpp>

#if __has_include(<nlohmann/json.hpp>)
#define main qtz_cli_main_unused
#include "../../examples/tools/qtz_cli.cpp"
#undef main

#include <unistd.h>

#include <cstdio>
#include <string>

using Catch::Matchers::Contains;

namespace {

std::string valid_json(const std::string& field = "", const std::string& value = "") {
  std::string f[][2] = {{"dtype", "\"int8\""},        {"scheme", "\"asymmetric\""}, {"compat", "\"qtz\""},
                        {"rounding", "\"half-even\""}, {"seed", "null"},             {"scale_op", "\"divide\""},
                        {"axis", "1"},                 {"block_size", "0"},          {"scale_shape", "[2]"},
                        {"scale", "[0.5, 0.25]"},      {"inv_scale", "[2, 4]"},      {"zero_point", "[-3, 7]"},
                        {"range_min", "[-1, -2]"},     {"range_max", "[2, 3]"}};
  std::string s = "{";
  for (auto& kv : f) {
    if (kv[0] == field && value == "<omit>") continue;
    s += (s.size() > 1 ? ", \"" : "\"") + kv[0] + "\": " + (kv[0] == field ? value : kv[1]);
  }
  return s + "}";
}

QuantParams read_text(const std::string& text) {
  const std::string path = "/tmp/qtz_params_file_test_" + std::to_string(::getpid()) + ".json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  struct Remove {
    std::string p;
    ~Remove() { std::remove(p.c_str()); }
  } cleanup{path};
  return read_params(path);
}

}  // namespace

TEST_CASE("row 23: malformed parameter files", "[robustness]") {
  const QuantParams ok = read_text(valid_json());  // the baseline parses
  CHECK(ok.scale == std::vector<float>{0.5f, 0.25f});
  CHECK(ok.zero_point == std::vector<std::int32_t>{-3, 7});
  struct Case {
    std::string text;
    std::vector<std::string> expect;
  };
  const std::vector<Case> cases = {
      {"", {"is not valid JSON"}},
      {"{\"dtype\": ", {"is not valid JSON"}},
      {"[1, 2]", {"top level must be a JSON object"}},
      {valid_json("scale", "<omit>"), {"\"scale\" is missing"}},
      {valid_json().substr(0, valid_json().size() - 1) + ", \"extra\": 1}", {"unknown field \"extra\""}},
      {valid_json("dtype", "\"int9\""), {"'int9'", "int2..int8"}},
      {valid_json("dtype", "8"), {"\"dtype\" must be a string"}},
      {valid_json("scheme", "\"sym\""), {"scheme 'sym'", "symmetric, symmetric-restricted, asymmetric"}},
      {valid_json("compat", "\"tflite\""), {"'tflite'", "qtz, onnx, pytorch, tensorrt"}},
      {valid_json("rounding", "\"up\""), {"\"rounding\" = \"up\"", "half-even"}},
      {valid_json("seed", "5"), {"\"seed\" must be null"}},
      {valid_json("scale_op", "\"mul\""), {"\"scale_op\" must be \"divide\" or \"reciprocal\""}},
      {valid_json("axis", "-1"), {"\"axis\" must be null or a normalized (non-negative) integer"}},
      {valid_json("block_size", "-2"), {"\"block_size\" must be >= 0"}},
      {valid_json("scale", "[0.5, 0]"), {"scale[1] = 0", "finite, positive, normal float"}},
      {valid_json("scale", "[0.5, -1]"), {"scale[1] = -1"}},
      {valid_json("scale", "[0.5, 1e-45]"), {"scale[1] = 1.40129846e-45"}},
      {valid_json("scale", "[0.5, 1e39]"), {"\"scale\" is not a finite float32"}},
      {valid_json("scale", "[0.5, \"x\"]"), {"\"scale\" must contain numbers only"}},
      {valid_json("scale", "[0.5]"), {"scale has 1", "needs 2"}},
      {valid_json("zero_point", "[-3, 300]"), {"zero_point[1] = 300", "[-128, 127]"}},
      {valid_json("zero_point", "[-3, 1.5]"), {"\"zero_point\" must contain integers only"}},
      {valid_json("zero_point", "[-3, 99999999999999999999]"), {"\"zero_point\" must contain integers only"}},
      {valid_json("range_min", "[5, -2]"), {"range_min[0] > range_max[0]"}},
  };
  for (const Case& c : cases) {
    INFO("file: " << c.text);
    try {
      (void)read_text(c.text);
      FAIL("no error");
    } catch (const BadInput& e) {
      const std::string m = e.what();
      CHECK_THAT(m, Contains("qtz_params_file_test_"));  // names the file
      for (const std::string& s : c.expect) CHECK_THAT(m, Contains(s));
    }
  }
}
#else
TEST_CASE("row 23: malformed parameter files", "[robustness]") {
  WARN("nlohmann/json.hpp is not on this build's include path: the tool's parameter-file reader is not tested here");
}
#endif
