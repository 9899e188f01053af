#!/usr/bin/python3
"""Bit-exact vectors for qtz's `tensorrt` profile, from NumPy code that follows NVIDIA's published code line by line.

Run from the repository root:

    /usr/bin/python3 tests/data/gen_tensorrt.py > tests/data/tensorrt_vectors.txt

Followed (reference-semantics.md §2.4 and §3; pytorch-quantization 2.2.1, TensorRT 10.10 OSS tree):
  * NVIDIA/TensorRT: tools/pytorch-quantization/pytorch_quantization/tensor_quant.py -- `_tensor_quant`:
      max_bound = float32(2.0 ** (num_bits - 1 + int(unsigned)) - 1.0)
      min_bound = 0 (unsigned) | -max_bound (narrow_range) | -max_bound - 1
      scale = max_bound / amax                      (float32 division: the multiplier R)
      if amax <= 2^-24: scale = 0                   (everything quantizes to 0)
      outputs = clamp(round_half_even(inputs * scale), min_bound, max_bound)   (float32)
      if amax <= 2^-24: scale = 1                   (the returned scale)
    TensorQuantFunction (real quantization, narrow_range=True by default) returns (outputs, scale);
    FakeTensorQuantFunction / legacy path returns outputs / scale (float32 division);
    `_onnx_int8_helper` exports scale = amax / maxbound (float32), with 0 replaced by 1.
  * NVIDIA/TensorRT: tools/pytorch-quantization/pytorch_quantization/calib/max.py -- MaxCalibrator:
    amax = max |x| over every axis except `axis` (per tensor: over all).

Fields per case (tests/compat/profiles_test.cpp checks each bit for bit):
  lo, hi   the range handed to qtz::make_params: (-amax, amax) signed, (0, amax) unsigned;
  scale    the exported S = fl(amax / max_bound) (0 -> 1). TensorRT exports int8 only; for other
           widths the same expression is written;
  inv      the multiplier the code multiplies by: fl(max_bound / amax), or 0 when amax <= 2^-24;
  q        the codes (outputs as integers) of the case's scheme: `symmetric-restricted` = narrow
           [-max_bound, max_bound] (TensorQuantFunction, real quantization), `symmetric` =
           narrow_range=False [-max_bound - 1, max_bound]; unsigned: [0, max_bound], Z = 0;
  dq       float32(q) / returned scale, i.e. outputs / scale of the codes as integers (qtz dequantize,
           DequantOp::divide_by_inverse);
  fq       fake quantization as the published code computes it: outputs / scale with
           min_bound = -max_bound - 1 for signed formats (narrow_range=False, QuantDescriptor's default;
           DESIGN §3: the profile's fake-quant range is [-max_bound - 1, max_bound] for both signed
           schemes), [0, max_bound] unsigned.  `outputs` is a float tensor, so a negative input that
           rounds to zero gives -0.0 here.
qtz mapping: QuantSpec{format, scheme, Compat::tensorrt}; signed formats int2..int8, int16 with
schemes symmetric and symmetric-restricted; unsigned uint2..uint8, uint16 with scheme symmetric and
non-negative data.  Per tensor and per channel (axis 0, amax per channel).

The quantized tensor x is the calibration data with exact ties fl((k + 0.5) * S) and their float32
neighbours written in (x * R and x / S round differently on some of them) and, per tensor, values
beyond amax (+-1.01, +-1.5, +-4 times amax) so the clamps are exercised.  Finite inputs only.

Data: numpy.random.default_rng(seed 20240609); distributions gauss, relu, uniform, heavy (Student-t 3),
outliers, constant, zeros, small (~1e-6), tiny (~1e-8: amax <= 2^-24), negative (one-sided); unsigned
cases use non-negative data only.  File format: as tests/data/gen_pytorch.py, plus `inv`.
"""
import sys

import numpy as np

from vector_data import hexf, ints, make_data  # shared with the other generators (tests/data/vector_data.py)

SEED = 20240609
EPSILON = np.float32(1.0 / (1 << 24))


def tensor_quant(inputs, amax, num_bits, unsigned, narrow_range):
    """_tensor_quant with numpy float32 arrays; amax broadcasts against inputs."""
    if unsigned:
        if inputs.min() < 0.0:
            raise TypeError("Negative values encountered in unsigned quantization.")
    min_amax = amax.min()
    if min_amax < 0:
        raise ValueError("Negative values in amax")
    max_bound = np.float32((2.0 ** (num_bits - 1 + int(unsigned))) - 1.0)
    if unsigned:
        min_bound = np.float32(0)
    elif narrow_range:
        min_bound = -max_bound
    else:
        min_bound = -max_bound - np.float32(1)
    with np.errstate(divide="ignore"):
        scale = np.array(max_bound / amax, dtype=np.float32)
        assert (max_bound / amax).dtype == np.float32
    if min_amax <= EPSILON:
        zero_amax_mask = amax <= EPSILON
        scale[zero_amax_mask] = 0
    mult = scale.copy()
    outputs = np.clip(np.rint(inputs * scale), min_bound, max_bound).astype(np.float32)
    if min_amax <= EPSILON:
        scale[zero_amax_mask] = 1.0
    return outputs, scale, mult


def export_scale(amax, num_bits, unsigned):
    maxbound = (1 << (num_bits - 1 + int(unsigned))) - 1
    scale = np.array(amax / np.float32(maxbound), dtype=np.float32)
    scale[scale == 0] = 1.0
    return scale


SIGNED_DISTS = ["gauss", "relu", "uniform", "heavy", "outliers", "constant", "zeros", "small", "tiny", "negative"]
UNSIGNED_DISTS = ["relu", "uniform", "heavy", "constant", "zeros", "small", "tiny"]


def tie_values(rng, s, lo_code, hi_code, amax, count):
    out = []
    s32 = np.float32(s)
    ks = np.arange(lo_code, hi_code)
    rng.shuffle(ks)
    for k in ks[:count]:
        v = np.float32(np.float32(k + 0.5) * s32)
        for w in (v, np.nextafter(v, np.float32(-np.inf)), np.nextafter(v, np.float32(np.inf))):
            if abs(w) <= amax:
                out.append(w)
    return np.array(out, dtype=np.float32)


BITS = [2, 3, 4, 5, 6, 7, 8, 16]


def main():
    rng = np.random.default_rng(SEED)
    w = sys.stdout.write
    w("# qtz compatibility vectors: profile tensorrt (NVIDIA pytorch-quantization _tensor_quant + MaxCalibrator).\n")
    w("# generator: tests/data/gen_tensorrt.py (its docstring cites the code it follows line by line)\n")
    w("# command: /usr/bin/python3 tests/data/gen_tensorrt.py > tests/data/tensorrt_vectors.txt\n")
    w("# numpy %s, python %s, seed %d\n" % (np.__version__, sys.version.split()[0], SEED))
    w("# follows NVIDIA/TensorRT: tools/pytorch-quantization/pytorch_quantization/tensor_quant.py (_tensor_quant,\n")
    w("#   _onnx_int8_helper), calib/max.py (MaxCalibrator); pytorch-quantization 2.2.1\n")
    w("# q: codes of the scheme (restricted = narrow real quantization); fq: narrow_range=False fake quantization\n")
    ncase = 0
    for bits in BITS:
        for unsigned in (False, True):
            schemes = ["symmetric"] if unsigned else ["symmetric-restricted", "symmetric"]
            for scheme in schemes:
                for gran in ("tensor", "channel"):
                    all_d = UNSIGNED_DISTS if unsigned else SIGNED_DISTS
                    nd = 4 if gran == "tensor" else 2
                    picks = list(rng.choice(len(all_d), nd, replace=False))
                    if bits == 8 and gran == "tensor":
                        picks = list(range(len(all_d)))  # 8 bits: every distribution
                    for di in picks:
                        dist = all_d[di]
                        shape = (int(rng.integers(12, 25)),) if gran == "tensor" else \
                            (int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(2, 4)))
                        data = make_data(rng, dist, shape, unsigned)
                        # MaxCalibrator: amax = max |x| over every axis except the channel axis.
                        if gran == "tensor":
                            amax = np.array([np.abs(data).max()], dtype=np.float32)
                            amax_b = amax.reshape(())
                        else:
                            amax = np.abs(data).reshape(shape[0], -1).max(axis=1).astype(np.float32)
                            amax_b = amax.reshape((shape[0],) + (1,) * (len(shape) - 1))
                        max_bound = (1 << (bits - 1 + int(unsigned))) - 1
                        s_exp = export_scale(amax.copy(), bits, unsigned)
                        lo_code = 0 if unsigned else -max_bound - 1
                        x = data.copy()
                        if gran == "tensor":
                            a = float(amax[0])
                            ties = tie_values(rng, s_exp[0], lo_code, max_bound, a, 5)
                            extra = [1.01 * a, 1.5 * a, 4 * a] + ([] if unsigned else [-1.01 * a, -1.5 * a, -4 * a])
                            x = np.concatenate([x, ties, np.array(extra, dtype=np.float32)]).astype(np.float32)
                            shape = x.shape
                        else:
                            for c in range(shape[0]):
                                flat = x[c].reshape(-1)
                                ties = tie_values(rng, s_exp[c], lo_code, max_bound, float(amax[c]), 2)
                                keep = int(np.argmax(np.abs(flat)))
                                free = [i for i in range(flat.size) if i != keep][: len(ties)]
                                flat[free] = ties[: len(free)]
                                x[c] = flat.reshape(x[c].shape)
                            # placing values of magnitude <= amax keeps the calibrated amax
                            assert (np.abs(x).reshape(shape[0], -1).max(axis=1) == amax).all()
                        amax_arr = amax_b.copy() if gran == "channel" else np.array(amax_b, dtype=np.float32)
                        narrow = scheme == "symmetric-restricted"
                        q_out, q_scale, mult = tensor_quant(x, np.array(amax_arr, dtype=np.float32), bits, unsigned,
                                                            narrow)
                        f_out, f_scale, _ = tensor_quant(x, np.array(amax_arr, dtype=np.float32), bits, unsigned,
                                                         False)
                        fq = (f_out / f_scale).astype(np.float32)
                        codes = q_out.astype(np.int64)
                        dq = (codes.astype(np.float32) / q_scale).astype(np.float32)
                        ncase += 1
                        fmt = ("uint%d" if unsigned else "int%d") % bits
                        w("case trt%03d:%s:%s:%s:%s\n" % (ncase, fmt, scheme, gran, dist))
                        w("format %s\nscheme %s\n" % (fmt, scheme))
                        w("gran tensor\n" if gran == "tensor" else "gran channel 0\n")
                        w("shape %s\n" % " ".join(str(d) for d in shape))
                        lo = np.zeros_like(amax) if unsigned else -amax
                        w("lo %s\nhi %s\n" % (hexf(lo), hexf(amax)))
                        w("scale %s\ninv %s\nzp %s\n" % (hexf(s_exp), hexf(np.asarray(mult).ravel()),
                                                        ints(np.zeros(amax.size, dtype=np.int64))))
                        w("x %s\nq %s\ndq %s\nfq %s\nend\n" % (hexf(x), ints(codes), hexf(dq), hexf(fq)))
    w("# cases: %d\n" % ncase)


if __name__ == "__main__":
    main()
