"""The calibration data sets of the gen_calib_*.py generators, in one place.

Every generator imports this module (it sits beside them; run them from the repository root as
their docstrings say). The C++ tests rebuild the same values with tests/calib/calib_data.hpp, so the
arithmetic here is integer or correctly rounded float64 only, then one rounding to float32:

  splitmix(seed, n)  SplitMix64 outputs 1..n of state `seed`;
  u24(seed, n)       their top 24 bits;
  irwin(seed, n)     K = sum of 12 u24 values - 6 * 2^24 (Irwin-Hall, integer);
  dataset(kind, seed, n) in float64: gauss g = K / 2^24; relu max(g, 0); student g / sqrt(S / 2^48 / 3)
                     with S the sum of three more squared K; outliers g with every 500th value
                     replaced by 80 u24 / 2^24 - 40;
  batches(kind, seed, scales, n) batch b = float32(dataset(kind, seed + 100 b, n) * scales[b]).
"""
import numpy as np

M64 = (1 << 64) - 1
SCALES = [1.0, 1.75, 0.625]
N_PER_BATCH = 20000


def splitmix(seed, n):
    out = np.empty(n, dtype=np.uint64)
    s = seed & M64
    for k in range(n):
        s = (s + 0x9E3779B97F4A7C15) & M64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        out[k] = z ^ (z >> 31)
    return out


def u24(seed, n):
    return (splitmix(seed, n) >> np.uint64(40)).astype(np.int64)


def irwin(seed, n):  # integer K = sum of 12 u - 6*2^24
    u = u24(seed, 12 * n).reshape(n, 12)
    return u.sum(axis=1) - 6 * (1 << 24)


def dataset(kind, seed, n):
    K0 = irwin(seed, n)
    g = K0.astype(np.float64) / float(1 << 24)
    if kind == "gauss":
        return g
    if kind == "relu":
        return np.maximum(g, 0.0)
    if kind == "student":
        K1, K2, K3 = irwin(seed + 1, n), irwin(seed + 2, n), irwin(seed + 3, n)
        S = (K1 * K1 + K2 * K2 + K3 * K3).astype(np.float64)
        return g / np.sqrt((S / float(1 << 48)) / 3.0)
    if kind == "outliers":
        u = u24(seed + 7, n).astype(np.float64)
        x = g.copy()
        x[::500] = (80.0 * u[::500]) / float(1 << 24) - 40.0
        return x
    raise ValueError("unknown data set " + kind)


def batches(kind, seed, scales=SCALES, n=N_PER_BATCH):
    return [(dataset(kind, seed + 100 * b, n) * s).astype(np.float32) for b, s in enumerate(scales)]


def all_data(kind, seed):
    return np.concatenate(batches(kind, seed))


def fhex(v):
    return float(np.float32(v)).hex()


def qtz_signed_counts(x, B):
    """qtz's two-sided histogram of x with B bins a side: (negative counts, positive counts, width),
    width the smallest power of two with max|x| < B * width, bin floor(|x| / width) in float64."""
    amax = float(np.max(np.abs(x)))
    e = -127
    while not (amax < B * 2.0 ** e):
        e += 1
    w = 2.0 ** e
    b = np.floor(np.abs(x.astype(np.float64)) / w).astype(np.int64)
    neg = x < 0
    pos = np.bincount(b[~neg], minlength=B).astype(np.int64)
    ng = np.bincount(b[neg], minlength=B).astype(np.int64)
    return ng, pos, w
