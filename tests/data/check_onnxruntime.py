#!/usr/bin/python3
"""Checks tests/data/onnx_vectors.txt against the real ONNX Runtime (a checker, not a generator).

The onnx vectors are made by tests/data/gen_onnx.py, which follows ONNX Runtime's quantization tool
and the ONNX reference ops in numpy. This script runs every case's codes through ONNX Runtime's own
QuantizeLinear and DequantizeLinear operators (CPU provider, opset 21: int8, uint8, int16, uint16,
per tensor and per axis) and compares them with the file, bit for bit:

    python3 tests/data/check_onnxruntime.py            # exit status 1 on any difference

It needs the Python packages onnx and onnxruntime, which Debian does not ship; the CI does not run it.
Run on 2026-11-27 with onnxruntime 1.30.0 and onnx 1.23.1 (Python 3.12, an AVX-512 machine): see
docs/quantization.md section 3, "Reference vectors".
"""
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

DTYPES = {"int8": (np.int8, TensorProto.INT8), "uint8": (np.uint8, TensorProto.UINT8),
          "int16": (np.int16, TensorProto.INT16), "uint16": (np.uint16, TensorProto.UINT16)}


def floats(tokens):
    return np.array([int(t, 16) for t in tokens], dtype=np.uint32).view(np.float32)


def cases(path):
    case = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        key, *rest = line.split()
        if key == "end":
            yield case
            case = {}
        else:
            case[key] = rest


def run(op, x, scale, zp, axis, out_type, shape):
    """One-node model: op(x, scale, zp) with `axis`; returns its output."""
    in_type = TensorProto.FLOAT if op == "QuantizeLinear" else zp[1]
    attrs = {} if axis is None else {"axis": axis}
    nodes = [helper.make_node(op, ["x", "s", "z"], ["y"], **attrs)]
    dims = [len(scale)] if axis is not None else []
    inits = [helper.make_tensor("s", TensorProto.FLOAT, dims, scale.tolist()),
             helper.make_tensor("z", zp[1], dims, zp[0].tolist())]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", in_type, shape)],
                              [helper.make_tensor_value_info("y", out_type, shape)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


def main(path="tests/data/onnx_vectors.txt"):
    n = bad = 0
    for c in cases(path):
        fmt = c["format"][0]
        np_t, onnx_t = DTYPES[fmt]
        shape = [int(s) for s in c["shape"]]
        axis = int(c["gran"][1]) if c["gran"][0] == "channel" else None
        scale = floats(c["scale"])
        zp = (np.array([int(z) for z in c["zp"]], dtype=np_t), onnx_t)
        x = floats(c["x"]).reshape(shape)
        want_q = np.array([int(v) for v in c["q"]], dtype=np.int64).reshape(shape)
        n += 1
        try:
            got_q = run("QuantizeLinear", x, scale, zp, axis, onnx_t, shape)
            ok = np.array_equal(got_q.astype(np.int64), want_q)
            if not ok:
                diff = np.flatnonzero(got_q.astype(np.int64).ravel() != want_q.ravel())
                print("MISMATCH q", c["case"][0], "at", diff[:5], got_q.ravel()[diff[:5]], want_q.ravel()[diff[:5]],
                      file=sys.stderr)
            if "dq" in c:
                want_dq = floats(c["dq"]).reshape(shape)
                got_dq = run("DequantizeLinear", want_q.astype(np_t), scale, zp, axis, TensorProto.FLOAT, shape)
                if not np.array_equal(got_dq.view(np.uint32), want_dq.view(np.uint32)):
                    ok = False
                    print("MISMATCH dq", c["case"][0], file=sys.stderr)
        except Exception as e:  # a case ORT rejects counts as a difference
            ok = False
            print("ERROR", c["case"][0], repr(e)[:300], file=sys.stderr)
        if not ok:
            bad += 1
    print("onnxruntime %s, onnx %s: %d cases, %d differ" % (ort.__version__, onnx.__version__, n, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
