#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan+UBSan, -fno-sanitize-recover=all) and runs each for
# a fixed time, starting from the committed corpus (tests/fuzz/corpus/<harness>/, left untouched: new
# inputs go to a scratch directory). Prints libFuzzer's final stats (executions, exec/s) and the
# coverage line (cov: = covered edges); fails on the first crash, sanitizer report, leak or timeout.
#   usage: tests/fuzz/run_fuzzers.sh [BUILD_DIR=build/fuzz] [SECONDS=20]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=${1:-build/fuzz}
SECONDS_EACH=${2:-20}
HARNESSES=(quantize calibrators npy params_json)

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DQTZ_WERROR=ON \
  -DQTZ_BUILD_BENCHMARKS=OFF -DQTZ_BUILD_EXAMPLES=OFF -DQTZ_BUILD_FUZZERS=ON -DQTZ_HEADER_MARCH_CHECKS=OFF >/dev/null
targets=()
for h in "${HARNESSES[@]}"; do
  [[ -f tests/fuzz/fuzz_$h.cpp ]] && targets+=("fuzz_$h")
done
# params_json exists only when nlohmann_json was found: build what the configure step defined.
available=$(cmake --build "$BUILD" --target help | sed -n 's/^\(fuzz_[a-z_]*\): .*/\1/p' | grep -v '_replay$' || true)
build_targets=()
for t in "${targets[@]}"; do grep -qx "$t" <<<"$available" && build_targets+=("$t"); done
cmake --build "$BUILD" -j2 --target "${build_targets[@]}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=()
for t in "${build_targets[@]}"; do
  h=${t#fuzz_}
  mkdir -p "$scratch/$h" "$scratch/artifacts"
  echo "---- $t: ${SECONDS_EACH}s"
  log="$scratch/$h.log"
  rc=0
  "$BUILD/tests/$t" "$scratch/$h" "tests/fuzz/corpus/$h" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$scratch/artifacts/" >"$log" 2>&1 || rc=$?
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  if ((rc != 0)); then
    tail -n 60 "$log"
    for a in "$scratch"/artifacts/*; do
      [[ -f $a ]] && { echo "reproducer ($a), base64:"; base64 "$a" | head -c 4000; echo; }
    done
    echo "fuzzer $t FAILED (exit $rc)" >&2
    exit "$rc"
  fi
  cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed -n 's/.* cov: \([0-9]*\).*/\1/p' | tail -1 || true)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1 || true)
  summary+=("$t: ${eps:-?} exec/s, cov ${cov:-?} edges")
done
printf '%s\n' "fuzz summary (${SECONDS_EACH}s each):" "${summary[@]}"
