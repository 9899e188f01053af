#!/usr/bin/env python3
"""Ratio table from kernels_bench JSON (Google Benchmark --benchmark_format=json).

Benchmark names are <op>/<granularity>/<impl>/<elements>. For every op, granularity and size the
script prints each implementation's speed relative to the references measured in the same run:
ratio(impl, ref) = time(ref) / time(impl) (> 1: impl is faster). Repetitions are reduced to their
median (or the median aggregate is used with --benchmark_report_aggregates_only). Usage: bench/ratios.py out.json
"""
import json
import statistics
import sys
from collections import defaultdict

DEFAULT_REFS = {
    "quantize": ["memcpy", "xnnpack", "qtz_reciprocal", "tensor:qtz_divide", "onednn"],
    "dequantize": ["memcpy", "xnnpack"],
    "minmax": ["read", "eigen"],
    "absmax": ["minmax:read"],
    "histogram": ["minmax:read"],
}
# Extra references used only within one granularity: thread counts against one thread.
GRANULARITY_REFS = {
    "threads": ["threads:qtz_api_t1"],
}


def size_label(n):
    n = int(n)
    if n % (1 << 20) == 0:
        return f"{n >> 20} Mi"
    if n % (1 << 10) == 0:
        return f"{n >> 10} Ki"
    return str(n)


def main(path):
    with open(path) as f:
        data = json.load(f)
    times = defaultdict(list)
    has_median = any(b.get("aggregate_name") == "median" for b in data["benchmarks"])
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            continue
        if b.get("run_type") == "aggregate":
            # --benchmark_report_aggregates_only: use the median of the repetitions
            if b.get("aggregate_name") != "median":
                continue
        elif has_median:
            continue
        parts = b.get("run_name", b["name"]).split("/")
        if len(parts) < 4:
            continue
        op, gran, impl, n = parts[0], parts[1], parts[2], parts[3]
        times[(op, gran, impl, int(n))].append(b["real_time"])
    med = {k: statistics.median(v) for k, v in times.items()}
    sizes = sorted({k[3] for k in med})
    ctx = data.get("context", {})
    print(f"# {ctx.get('host_name', '')} qtz_active_isa={ctx.get('qtz_active_isa', '?')} "
          f"mhz={ctx.get('mhz_per_cpu', '?')}")
    for op in sorted({k[0] for k in med}):
        print(f"\n## {op}  (ratio = time(reference) / time(impl); > 1 means faster)\n")
        refs = DEFAULT_REFS.get(op, ["memcpy"])
        for gran in sorted({k[1] for k in med if k[0] == op}):
            impls = sorted({k[2] for k in med if k[0] == op and k[1] == gran})
            for ref in refs + GRANULARITY_REFS.get(gran, []):
                rop, rgran, rimpl = op, gran, ref
                if ":" in ref:
                    a, rimpl = ref.split(":")
                    if a in DEFAULT_REFS:
                        rop = a
                        rgran = "tensor"
                    else:
                        rgran = a
                if not any((rop, rgran, rimpl, n) in med for n in sizes):
                    continue
                print(f"| {op}/{gran} vs {rop}/{rgran}/{rimpl} | " + " | ".join(size_label(n) for n in sizes) + " |")
                print("|---|" + "---|" * len(sizes))
                for impl in impls:
                    if (rop, rgran, rimpl) == (op, gran, impl):
                        continue
                    cells = []
                    for n in sizes:
                        t, r = med.get((op, gran, impl, n)), med.get((rop, rgran, rimpl, n))
                        cells.append(f"{r / t:.2f}" if t and r else "–")
                    print(f"| {impl} | " + " | ".join(cells) + " |")
                print()
        # absolute GB/s of this op's tensor rows, for reference
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
