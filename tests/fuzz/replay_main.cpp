// A main() for the fuzz harnesses without libFuzzer (any compiler): runs LLVMFuzzerTestOneInput once
// on every file named on the command line, or on every regular file of a named directory (the
// committed corpus, tests/fuzz/corpus/<harness>/). A crash, a sanitizer report or an escaped
// exception fails the run; ctest replays the corpus this way (test fuzz/<harness>/replay).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
int run_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "replay: cannot read %s\n", p.string().c_str());
    return 1;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // Copy into an exactly sized heap buffer so that ASan catches a read one past the end.
  std::vector<std::uint8_t> buf(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(buf.empty() ? nullptr : buf.data(), buf.size());
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t ran = 0;
  int rc = 0;
  for (int a = 1; a < argc; ++a) {
    const std::filesystem::path arg(argv[a]);
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(arg))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) rc |= run_file(f), ++ran;
    } else {
      rc |= run_file(arg);
      ++ran;
    }
  }
  if (ran == 0) {
    std::fprintf(stderr, "replay: no input files\n");
    return 1;
  }
  std::printf("replay: %zu inputs ran clean\n", ran);
  return rc;
}
