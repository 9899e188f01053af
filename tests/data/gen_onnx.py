#!/usr/bin/python3
"""Bit-exact vectors for qtz's `onnx` profile, from NumPy code that follows the published code line by line.

Run from the repository root:

    /usr/bin/python3 tests/data/gen_onnx.py > tests/data/onnx_vectors.txt

Followed (reference-semantics.md §2.3 and §3):
  * microsoft/onnxruntime: onnxruntime/python/tools/quantization/quant_utils.py, upstream commit 407c1ab2e
    (Oct 2024) -- `compute_scale_zp`, `get_qmin_qmax_for_qType` and the range tables
    ONNX_INT_TYPE_RANGE / ONNX_INT_TYPE_SYMMETRIC_RANGE (INT8 (-127, 127), INT16 (-32767, 32767); no
    unsigned entry, so unsigned symmetric uses the full range and Z = round((0 + qmax) / 2) = 128 / 32768).
    NOTE: later ORT versions add UINT8 (0, 254) and UINT16 (0, 65534) to the symmetric table, which
    gives Z = 127 / 32767 and S = 2m/254; qtz (DESIGN §3) and these vectors follow the Oct 2024 code.
  * microsoft/onnxruntime: onnxruntime/python/tools/quantization/calibrate.py -- MinMaxCalibrater:
    per tensor rmin = min(x), rmax = max(x) (float32); per_channel reduces every axis except axis 1.
  * onnx/onnx: onnx/reference/ops/op_quantize_linear.py -- x / y_scale (float32 / float32), np.rint
    (half to even), astype(int32), += zero_point, np.clip to the FULL type range, astype(type).
  * onnx/onnx: onnx/reference/ops/op_dequantize_linear.py -- (x.astype(float32) - zero_point) * x_scale.

compute_scale_zp as followed here: rmin = minimum(rmin, 0), rmax = maximum(rmax, 0) (float32);
symmetric: absmax = maximum(|rmin|, |rmax|), rmin = -absmax, rmax = +absmax; dr = float64(rmax - rmin)
(difference in float32); dq = float64(qmax) - float64(qmin); scale = dr / dq (float64); scale <
finfo(float32).tiny -> scale 1, Z 0; else symmetric Z = round((qmin + qmax) / 2.0), asymmetric
Z = round(qmin - rmin / scale) in float64 (numpy round = half to even, NOT clamped), then the scale
is cast to float32.

qtz mapping (tests/compat/profiles_test.cpp): QuantSpec{format, scheme, Compat::onnx}; int8/int16
symmetric -> `symmetric-restricted`, uint8/uint16 symmetric -> `symmetric`; make_params(lo, hi) with
the calibrator's (unwidened) rmin/rmax must give the same scale bits and Z; qtz::quantize (its
default ScaleOp::divide) the same codes; qtz::dequantize of the reference codes the same floats.
The quantized tensor x is the calibration data with exact ties fl((k + 0.5) * S) and their float32
neighbours placed in it, plus values beyond the range (+-1.1 and +-3 times the largest magnitude,
+-1000 times) so saturation to the full type range is exercised (e.g. -128 for int8 symmetric).
No value has |x / scale| >= 2^31: there the reference's astype(int32) overflows (numpy gives INT_MIN,
so the code becomes qmin), an artefact of the reference, where the ONNX spec and ORT's MLAS kernel
saturate, as qtz does (DESIGN §1).  Finite
inputs only (DESIGN §3: non-finite inputs follow qtz's own §1 rule).

Data: numpy.random.default_rng(seed 20240608); distributions gauss, relu, uniform, heavy (Student-t 3),
outliers, constant, zeros, tiny (~1e-8), negative (one-sided), denormal (|x| ~ 1e-38, whose scale is
below FLT_MIN -> (1, 0)).  File format: as tests/data/gen_pytorch.py (case/format/scheme/gran/shape/
lo/hi/scale/zp/x/q/dq/end; floats as float32 bit patterns 0xXXXXXXXX, codes as integers).
"""
import sys

import numpy
import numpy as np

from vector_data import hexf, ints, make_data  # shared with the other generators (tests/data/vector_data.py)

SEED = 20240608

# quant_utils.py (Oct 2024): ONNX_INT_TYPE_RANGE and ONNX_INT_TYPE_SYMMETRIC_RANGE, as numpy 0-d arrays.
ONNX_INT_TYPE_RANGE = {
    "uint8": (numpy.array(0, dtype=numpy.uint8), numpy.array(255, dtype=numpy.uint8)),
    "int8": (numpy.array(-128, dtype=numpy.int8), numpy.array(127, dtype=numpy.int8)),
    "uint16": (numpy.array(0, dtype=numpy.uint16), numpy.array(65535, dtype=numpy.uint16)),
    "int16": (numpy.array(-32768, dtype=numpy.int16), numpy.array(32767, dtype=numpy.int16)),
}
ONNX_INT_TYPE_SYMMETRIC_RANGE = {
    "int8": (numpy.array(-127, dtype=numpy.int8), numpy.array(127, dtype=numpy.int8)),
    "int16": (numpy.array(-32767, dtype=numpy.int16), numpy.array(32767, dtype=numpy.int16)),
}
NP_TYPE = {"uint8": numpy.uint8, "int8": numpy.int8, "uint16": numpy.uint16, "int16": numpy.int16}


def get_qmin_qmax_for_qType(qType, reduce_range=False, symmetric=False):  # noqa: N802
    assert not reduce_range
    if symmetric and qType in ONNX_INT_TYPE_SYMMETRIC_RANGE:
        qrange = ONNX_INT_TYPE_SYMMETRIC_RANGE[qType]
    else:
        qrange = ONNX_INT_TYPE_RANGE.get(qType)
    qmin, qmax = qrange
    if qmin > 0 or qmax < 0:
        raise ValueError("qmin and qmax must meet requirement: qmin <= 0 <= qmax")
    return qrange


def compute_scale_zp(rmin, rmax, qmin, qmax, symmetric=False):
    if qmin > 0 or qmax < 0:
        raise ValueError("qmin and qmax must meet requirement: qmin <= 0 <= qmax")
    rmin = numpy.minimum(rmin, numpy.array(0, dtype=rmin.dtype))
    rmax = numpy.maximum(rmax, numpy.array(0, dtype=rmax.dtype))
    if symmetric:
        absmax = numpy.maximum(numpy.abs(rmin), numpy.abs(rmax))
        rmin = -absmax
        rmax = +absmax
    assert qmin <= qmax
    dr = numpy.array(rmax - rmin, dtype=numpy.float64)
    dq = numpy.array(qmax, dtype=numpy.float64) - numpy.array(qmin, dtype=numpy.float64)
    scale = numpy.array(dr / dq)
    assert scale >= 0, "scale isse"
    if scale < numpy.finfo(rmax.dtype).tiny:
        scale = numpy.array(1.0, dtype=rmax.dtype)
        zero_point = numpy.array(0, dtype=qmin.dtype)
    else:
        if symmetric:
            zero_point = numpy.array(numpy.round((qmin + qmax) / numpy.array(2.0, dtype=rmax.dtype)), dtype=qmin.dtype)
        else:
            zero_point = numpy.array(numpy.round(qmin - rmin / scale), dtype=qmin.dtype)
        scale = scale.astype(rmax.dtype)
    return [zero_point, scale]


_QUANT_INTEGER_RANGES = {"uint8": (0, 255), "int8": (-128, 127), "uint16": (0, 65535), "int16": (-32768, 32767)}


def _reshape_input(value, shape, axis):
    if len(value.shape) == 0:
        return value
    if len(value.shape) > 0 and value.size == 1:
        return value[0]
    dims = [1] * len(shape)
    dims[axis] = value.size
    return value.reshape(tuple(dims))


def quantize_linear(x, y_scale, zero_point, axis, tensor_type):
    """onnx/reference/ops/op_quantize_linear.py, integer types, no `precision` attribute."""
    y_scale = _reshape_input(y_scale, x.shape, axis)
    zero_point = _reshape_input(zero_point, x.shape, axis)
    x = x / y_scale
    assert x.dtype == np.float32  # float32 / float32: the division is single precision
    xi = np.rint(x).astype(np.int32)
    xi += zero_point
    quant_range = _QUANT_INTEGER_RANGES[tensor_type]
    return np.clip(xi, quant_range[0], quant_range[1]).astype(NP_TYPE[tensor_type])


def dequantize_linear(x, x_scale, x_zero_point, axis):
    """onnx/reference/ops/op_dequantize_linear.py, integer types."""
    dx = x.astype(np.float32) - _reshape_input(x_zero_point, x.shape, axis)
    y = dx * _reshape_input(x_scale, x.shape, axis)
    return y.astype(x_scale.dtype)


DISTS = ["gauss", "relu", "uniform", "heavy", "outliers", "constant", "zeros", "tiny", "negative", "denormal"]


def tie_values(rng, s, z, qmin, qmax, count):
    out = []
    s32 = np.float32(s)
    ks = np.arange(qmin - z, qmax - z)
    rng.shuffle(ks)
    for k in ks[:count]:
        v = np.float32(np.float32(k + 0.5) * s32)
        out += [v, np.nextafter(v, np.float32(-np.inf)), np.nextafter(v, np.float32(np.inf))]
    return np.array(out, dtype=np.float32)


CONFIGS = [("uint8", False, "asymmetric"), ("uint8", True, "symmetric"), ("int8", False, "asymmetric"),
           ("int8", True, "symmetric-restricted"), ("uint16", False, "asymmetric"), ("uint16", True, "symmetric"),
           ("int16", False, "asymmetric"), ("int16", True, "symmetric-restricted")]


def main():
    rng = np.random.default_rng(SEED)
    w = sys.stdout.write
    w("# qtz compatibility vectors: profile onnx (ONNX Runtime compute_scale_zp + ONNX QuantizeLinear/DequantizeLinear).\n")
    w("# generator: tests/data/gen_onnx.py (its docstring cites the code it follows line by line)\n")
    w("# command: /usr/bin/python3 tests/data/gen_onnx.py > tests/data/onnx_vectors.txt\n")
    w("# numpy %s, python %s, seed %d\n" % (np.__version__, sys.version.split()[0], SEED))
    w("# follows microsoft/onnxruntime: onnxruntime/python/tools/quantization/quant_utils.py (407c1ab2e, Oct 2024),\n")
    w("#   calibrate.py (MinMaxCalibrater), onnx/onnx: onnx/reference/ops/op_quantize_linear.py, op_dequantize_linear.py\n")
    w("# per channel: axis 1 (ORT MinMax per_channel); lo/hi are the calibrator's min/max before widening\n")
    ncase = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for qtype, symmetric, qscheme in CONFIGS:
            for gran in ("tensor", "channel"):
                dists = DISTS
                for dist in dists:
                    shape = (int(rng.integers(16, 33)),) if gran == "tensor" else \
                        (int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(2, 5)))
                    data = make_data(rng, dist, shape)
                    qmin, qmax = get_qmin_qmax_for_qType(qtype, symmetric=symmetric)
                    if gran == "tensor":
                        rmins = [numpy.array(data.min(), dtype=np.float32)]
                        rmaxs = [numpy.array(data.max(), dtype=np.float32)]
                    else:
                        red = tuple(a for a in range(data.ndim) if a != 1)
                        rmins = [numpy.array(v, dtype=np.float32) for v in data.min(axis=red)]
                        rmaxs = [numpy.array(v, dtype=np.float32) for v in data.max(axis=red)]
                    zs, ss = [], []
                    for rmin, rmax in zip(rmins, rmaxs):
                        z, s = compute_scale_zp(rmin, rmax, qmin, qmax, symmetric)
                        assert s.dtype == np.float32
                        zs.append(z)
                        ss.append(s)
                    # The quantized tensor: calibration data with ties and out-of-range values written in.
                    x = data.copy()
                    if gran == "tensor":
                        big = float(max(abs(float(rmins[0])), abs(float(rmaxs[0])))) or 1.0
                        extra = np.array([1.1 * big, -1.1 * big, 3 * big, -3 * big, 1000 * big, -1000 * big], dtype=np.float32)
                        ties = tie_values(rng, ss[0], int(zs[0]), int(qmin), int(qmax), 4)
                        x = np.concatenate([x, ties, extra]).astype(np.float32)
                        shape = x.shape
                        scale_arr = np.array(ss[0], dtype=np.float32)
                        zp_arr = np.array(zs[0], dtype=NP_TYPE[qtype])
                    else:
                        xm = np.moveaxis(x, 1, 0)
                        for c in range(xm.shape[0]):
                            flat = xm[c].reshape(-1)
                            ties = tie_values(rng, ss[c], int(zs[c]), int(qmin), int(qmax), 2)[: max(1, flat.size // 2)]
                            flat[: len(ties)] = ties
                            if flat.size > len(ties):
                                flat[-1] = np.float32(-3.0 * float(ss[c]) * 300.0)  # saturates
                            xm[c] = flat.reshape(xm[c].shape)
                        scale_arr = np.array(ss, dtype=np.float32)
                        zp_arr = np.array(zs, dtype=NP_TYPE[qtype])
                    q = quantize_linear(x, scale_arr, zp_arr, 1, qtype)
                    dq = dequantize_linear(q, scale_arr, zp_arr, 1)
                    ncase += 1
                    w("case on%03d:%s:%s:%s:%s\n" % (ncase, qtype, "sym" if symmetric else "asym", gran, dist))
                    w("format %s\nscheme %s\n" % (qtype, qscheme))
                    w("gran tensor\n" if gran == "tensor" else "gran channel 1\n")
                    w("shape %s\n" % " ".join(str(d) for d in shape))
                    w("lo %s\nhi %s\n" % (hexf(rmins), hexf(rmaxs)))
                    w("scale %s\nzp %s\n" % (hexf(scale_arr), ints(zp_arr)))
                    w("x %s\nq %s\ndq %s\nend\n" % (hexf(x), ints(q), hexf(dq)))
    w("# cases: %d\n" % ncase)


if __name__ == "__main__":
    main()
