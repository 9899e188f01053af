"""The random tensors and the output format of gen_onnx.py, gen_pytorch.py and gen_tensorrt.py.

Each generator draws from its own numpy.random.default_rng(seed) in its own order; make_data draws
for one tensor exactly as each of them did before this module existed (the committed vectors were
re-made with it and did not change).
"""
import numpy as np


def hexf(a):
    """float32 bit patterns, 0xXXXXXXXX, space separated (row-major)."""
    a = np.asarray(a, dtype=np.float32).ravel()
    return " ".join("0x%08x" % v for v in a.view(np.uint32))


def ints(a):
    return " ".join(str(int(v)) for v in np.asarray(a).ravel())


def make_data(rng, dist, shape, unsigned=False):
    """One float32 tensor of `shape` from distribution `dist`; `unsigned` takes |x|."""
    n = int(np.prod(shape))
    if dist == "gauss":
        x = rng.normal(rng.uniform(-0.5, 0.5), rng.uniform(0.1, 3.0), n)
    elif dist == "relu":
        x = np.maximum(rng.normal(0.0, rng.uniform(0.5, 2.0), n), 0.0)
    elif dist == "uniform":
        a, b = sorted(rng.uniform(-4.0, 4.0, 2))
        x = rng.uniform(a, b, n)
    elif dist == "heavy":
        x = rng.standard_t(3, n) * rng.uniform(0.2, 2.0)
    elif dist == "outliers":
        x = rng.normal(0.0, 1.0, n)
        k = max(1, n // 20)
        x[rng.choice(n, k, replace=False)] = rng.uniform(-60.0, 60.0, k)
    elif dist == "constant":
        x = np.full(n, rng.uniform(0.1, 5.0) * (1 if rng.random() < 0.5 else -1))
    elif dist == "zeros":
        x = np.zeros(n)
    elif dist == "small":
        x = rng.normal(0.0, 1e-6, n)
    elif dist == "tiny":
        x = rng.normal(0.0, 1e-8, n)
    elif dist == "negative":
        x = -np.abs(rng.normal(0.0, rng.uniform(0.3, 3.0), n))
    elif dist == "denormal":
        x = rng.normal(0.0, 1e-38, n)
    else:
        raise ValueError(dist)
    if unsigned:
        x = np.abs(x)
    return x.astype(np.float32).reshape(shape)
