#!/usr/bin/python3
"""Bit-exact vectors for qtz's `pytorch` profile, produced by the REAL PyTorch (Debian python3-torch 1.13).

Run from the repository root with the system interpreter (pyenv's python has no torch):

    /usr/bin/python3 tests/data/gen_pytorch.py > tests/data/pytorch_vectors.txt

What it follows (reference-semantics.md §2.1 and §3; nothing is re-implemented, torch is called):
  * pytorch/pytorch: torch/ao/quantization/observer.py -- MinMaxObserver / PerChannelMinMaxObserver
    (`_calculate_qparams`: widen to 0, symmetric S = amax / ((qmax - qmin) / 2), affine
    S = (max - min) / (qmax - qmin), eps floor 2^-23, Z = qmin - round(min / S) clamped; quint8
    symmetric Z = 128, or (qmin + qmax) // 2 with a custom range);
  * pytorch/pytorch: torch/ao/quantization/utils.py (calculate_qmin_qmax, custom quant_min/quant_max);
  * pytorch/pytorch: aten/src/ATen/native/quantized/AffineQuantizerBase.cpp -- quantize_val:
    x * (1.0f / float(S)), nearbyint (half to even), + Z, clamp; dequantize (q - Z) * S in float32.

Per case (one tensor, one observer configuration) the file records: the observer input x, the
observer's min_val / max_val (`lo` / `hi`, one per channel), its scale and zero point, the codes of
torch.quantize_per_tensor / torch.quantize_per_channel (int_repr), and for per-tensor cases the
floats of torch.dequantize and torch.fake_quantize_per_tensor_affine.  Per-channel cases record the
codes and torch.fake_quantize_per_channel_affine (float32 arithmetic); torch.dequantize of a
per-channel tensor is computed in double and is NOT recorded (DESIGN §3 does not claim it).

Custom integer ranges (2..7 bits, restricted, 16 bits through qint32): torch.quantize_per_tensor
saturates to the storage dtype, not to quant_min/quant_max, so the recorded codes are
clamp(int_repr, quant_min, quant_max) -- what torch.fake_quantize_per_tensor_affine (recorded as
`fq`, real torch) clamps to; `dq` is torch.dequantize of a quantized tensor built from those codes
with torch._make_per_tensor_quantized_tensor.

qtz mapping (the C++ test tests/compat/profiles_test.cpp): QuantSpec{format, scheme, Compat::pytorch},
the observer's min/max as the range -> qtz::make_params must give the same scale bits and zero point;
qtz::quantize (ScaleOp::reciprocal, the profile default) the same codes; qtz::dequantize of the codes
the same floats (per tensor); qtz::fake_quantize the same floats.  Dtype/range -> qtz format:
quint8 -> uint8, qint8 -> int8, qint8 (-127, 127) -> int8 symmetric-restricted, qint8 (-2^(b-1),
2^(b-1)-1) -> int<b>, quint8 (0, 2^b-1) -> uint<b>, qint32 (-32768, 32767) -> int16, qint32 (-32767,
32767) -> int16 symmetric-restricted, qint32 (0, 65535) -> uint16 (affine only: torch's symmetric
qint32 zero point is 0, no qtz unsigned scheme has that).  PyTorch per_*_symmetric = qtz
`symmetric` (full range).  Finite inputs only (DESIGN §3: non-finite inputs follow qtz's §1).

Data: seed 20240607 (numpy.random.default_rng), distributions gauss, relu, uniform, heavy (Student-t
3), outliers, constant, zeros, tiny (~1e-8), negative (one-sided).  After the observer has run,
non-extreme elements are replaced by values at exact ties fl((k + 0.5) * S) (k relative to Z) and
their float neighbours that lie inside the observed range; the observer is re-run on the final tensor
and must return the same min/max/scale/zero point (asserted).

File format (line based, one field per line, a case ends with `end`):
  case ID | format intB/uintB | scheme asymmetric|symmetric|symmetric-restricted |
  gran tensor | gran channel AXIS | shape D0 D1 ... | lo/hi/scale: float32 bit patterns 0xXXXXXXXX,
  one per parameter slot | zp: integers | x, dq, fq: float32 bit patterns in row-major order |
  q: integers.
"""
import sys

import numpy as np
import torch
from torch.ao.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver

from vector_data import hexf, ints, make_data  # shared with the other generators (tests/data/vector_data.py)

SEED = 20240607


# (label, torch dtype, quant_min, quant_max or None for the default range, qtz format, schemes)
# schemes: list of (torch qscheme kind, qtz scheme name)
CONFIGS = [
    ("quint8", torch.quint8, None, None, "uint8", [("affine", "asymmetric"), ("symmetric", "symmetric")]),
    ("qint8", torch.qint8, None, None, "int8", [("affine", "asymmetric"), ("symmetric", "symmetric")]),
    ("qint8r", torch.qint8, -127, 127, "int8", [("symmetric", "symmetric-restricted")]),
    ("qint8_4", torch.qint8, -8, 7, "int4", [("affine", "asymmetric"), ("symmetric", "symmetric")]),
    ("qint8_4r", torch.qint8, -7, 7, "int4", [("symmetric", "symmetric-restricted")]),
    ("quint8_4", torch.quint8, 0, 15, "uint4", [("affine", "asymmetric"), ("symmetric", "symmetric")]),
    ("qint8_2", torch.qint8, -2, 1, "int2", [("affine", "asymmetric"), ("symmetric", "symmetric")]),
    ("quint8_3", torch.quint8, 0, 7, "uint3", [("affine", "asymmetric"), ("symmetric", "symmetric")]),
    ("qint8_6", torch.qint8, -32, 31, "int6", [("affine", "asymmetric")]),
    ("qint32_16", torch.qint32, -32768, 32767, "int16", [("affine", "asymmetric"), ("symmetric", "symmetric")]),
    ("qint32_16r", torch.qint32, -32767, 32767, "int16", [("symmetric", "symmetric-restricted")]),
    ("qint32_u16", torch.qint32, 0, 65535, "uint16", [("affine", "asymmetric")]),
]

DISTS = ["gauss", "relu", "uniform", "heavy", "outliers", "constant", "zeros", "tiny", "negative"]


def make_observer(per_channel, axis, kind, dtype, qmin, qmax):
    if per_channel:
        qs = torch.per_channel_affine if kind == "affine" else torch.per_channel_symmetric
        kw = dict(ch_axis=axis, dtype=dtype, qscheme=qs)
        cls = PerChannelMinMaxObserver
    else:
        qs = torch.per_tensor_affine if kind == "affine" else torch.per_tensor_symmetric
        kw = dict(dtype=dtype, qscheme=qs)
        cls = MinMaxObserver
    if qmin is not None:
        kw.update(quant_min=qmin, quant_max=qmax)
    return cls(**kw)


def observe(per_channel, axis, kind, dtype, qmin, qmax, x):
    obs = make_observer(per_channel, axis, kind, dtype, qmin, qmax)
    obs(torch.from_numpy(x.copy()))
    s, z = obs.calculate_qparams()
    return (obs.min_val.detach().numpy().astype(np.float32).ravel().copy(),
            obs.max_val.detach().numpy().astype(np.float32).ravel().copy(),
            s.detach().numpy().astype(np.float32).ravel().copy(), z.detach().numpy().astype(np.int64).ravel().copy(),
            obs.quant_min, obs.quant_max)


def tie_values(rng, s, z, qmin, qmax, lo, hi, count):
    """fl((k + 0.5) * S) and its two float32 neighbours, for random k with the value inside [lo, hi]."""
    out = []
    s32 = np.float32(s)
    ks = np.arange(qmin - z, qmax - z)  # t = k + 0.5 lies between codes k and k + 1 (relative to Z)
    rng.shuffle(ks)
    for k in ks:
        v = np.float32(np.float32(k + 0.5) * s32)
        for w in (v, np.nextafter(v, np.float32(-np.inf)), np.nextafter(v, np.float32(np.inf))):
            if lo < w < hi:
                out.append(w)
        if len(out) >= count:
            break
    return np.array(out[:count], dtype=np.float32)


def place_ties(rng, x, per_channel, axis, s, z, qmin, qmax, lo, hi, frac=0.4):
    x = x.copy()
    if per_channel:
        xm = np.moveaxis(x, axis, 0)  # view
        for c in range(xm.shape[0]):
            flat = xm[c].reshape(-1)
            cnt = int(flat.size * frac)
            ties = tie_values(rng, s[c], int(z[c]), qmin, qmax, lo[c], hi[c], cnt)
            keep = {int(np.argmin(flat)), int(np.argmax(flat))}
            free = [i for i in rng.permutation(flat.size) if i not in keep][: len(ties)]
            flat[free] = ties
            xm[c] = flat.reshape(xm[c].shape)
        return x
    flat = x.reshape(-1)
    cnt = int(flat.size * frac)
    ties = tie_values(rng, s[0], int(z[0]), qmin, qmax, lo[0], hi[0], cnt)
    keep = {int(np.argmin(flat)), int(np.argmax(flat))}
    free = [i for i in rng.permutation(flat.size) if i not in keep][: len(ties)]
    flat[free] = ties
    return flat.reshape(x.shape)


def main():
    rng = np.random.default_rng(SEED)
    out = sys.stdout
    w = out.write
    w("# qtz compatibility vectors: profile pytorch, produced by the real PyTorch.\n")
    w("# generator: tests/data/gen_pytorch.py (its docstring describes every field)\n")
    w("# command: /usr/bin/python3 tests/data/gen_pytorch.py > tests/data/pytorch_vectors.txt\n")
    w("# torch %s (Debian python3-torch), numpy %s, python %s, seed %d\n"
      % (torch.__version__, np.__version__, sys.version.split()[0], SEED))
    w("# follows pytorch/pytorch: torch/ao/quantization/observer.py, torch/ao/quantization/utils.py,\n")
    w("#   aten/src/ATen/native/quantized/AffineQuantizerBase.cpp (torch is called, not re-implemented)\n")
    w("# floats are float32 bit patterns; codes are integers; per-channel cases have no `dq` line\n")
    torch.manual_seed(SEED)
    ncase = 0
    for label, dtype, qmin_c, qmax_c, fmt, schemes in CONFIGS:
        for kind, qscheme in schemes:
            for gran in ("tensor", "channel0", "channel1"):
                per_channel = gran != "tensor"
                axis = 0 if gran == "channel0" else 1
                dists = DISTS if not per_channel else [DISTS[i] for i in rng.choice(len(DISTS), 4, replace=False)]
                for dist in dists:
                    shape = (int(rng.integers(1, 5)), int(rng.integers(2, 7)), int(rng.integers(2, 5))) \
                        if per_channel else (int(rng.integers(12, 27)),)
                    x = make_data(rng, dist, shape)
                    lo, hi, s, z, qmin, qmax = observe(per_channel, axis, kind, dtype, qmin_c, qmax_c, x)
                    x = place_ties(rng, x, per_channel, axis, s, z, qmin, qmax, lo, hi)
                    lo2, hi2, s2, z2, _, _ = observe(per_channel, axis, kind, dtype, qmin_c, qmax_c, x)
                    assert (lo.view(np.uint32) == lo2.view(np.uint32)).all() and (hi == hi2).all()
                    assert (s.view(np.uint32) == s2.view(np.uint32)).all() and (z == z2).all()
                    xt = torch.from_numpy(x.copy())
                    if per_channel:
                        qx = torch.quantize_per_channel(xt, torch.from_numpy(s.astype(np.float64)),
                                                        torch.from_numpy(z), axis, dtype)
                        codes = np.clip(qx.int_repr().numpy().astype(np.int64), qmin, qmax)
                        fq = torch.fake_quantize_per_channel_affine(
                            xt, torch.from_numpy(s), torch.from_numpy(z.astype(np.int32)), axis, qmin, qmax).numpy()
                        dq = None
                    else:
                        qx = torch.quantize_per_tensor(xt, float(s[0]), int(z[0]), dtype)
                        codes = np.clip(qx.int_repr().numpy().astype(np.int64), qmin, qmax)
                        storage = {torch.quint8: torch.uint8, torch.qint8: torch.int8, torch.qint32: torch.int32}[dtype]
                        qc = torch._make_per_tensor_quantized_tensor(torch.from_numpy(codes).to(storage),
                                                                     float(s[0]), int(z[0]))
                        dq = qc.dequantize().numpy()
                        fq = torch.fake_quantize_per_tensor_affine(xt, float(s[0]), int(z[0]), qmin, qmax).numpy()
                    ncase += 1
                    cid = "pt%03d:%s:%s:%s:%s" % (ncase, label, kind, gran, dist)
                    w("case %s\n" % cid)
                    w("format %s\nscheme %s\n" % (fmt, qscheme))
                    w("gran tensor\n" if not per_channel else "gran channel %d\n" % axis)
                    w("shape %s\n" % " ".join(str(d) for d in shape))
                    w("lo %s\nhi %s\nscale %s\nzp %s\n" % (hexf(lo), hexf(hi), hexf(s), ints(z)))
                    w("x %s\nq %s\n" % (hexf(x), ints(codes)))
                    if dq is not None:
                        w("dq %s\n" % hexf(dq))
                    w("fq %s\nend\n" % hexf(fq))
    w("# cases: %d\n" % ncase)


if __name__ == "__main__":
    main()
