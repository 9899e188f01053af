#!/usr/bin/python3
"""Reference running min/max of PyTorch 1.13's observers (tests/calib/moving_average_test.cpp).

Run from the repository root (Debian's python3-torch 1.13):

    /usr/bin/python3 tests/data/gen_calib_pytorch.py > tests/data/calib_pytorch_vectors.txt

Calls torch.ao.quantization's observers themselves: MinMaxObserver, MovingAverageMinMaxObserver,
PerChannelMinMaxObserver and MovingAveragePerChannelMinMaxObserver (averaging_constant 0.01 and 0.3),
feeding BATCHES batches of shape SHAPE in order, then prints min_val / max_val (float32, hex) and
calculate_qparams() (quint8 per_tensor_affine, or qint8 per_channel_symmetric).

Data: the same integer-built data sets as gen_calib_tensorrt.py (see its docstring; reproduced by
tests/calib/calib_data.hpp), batch b of data set `kind` from seed `seed + 100 b`, scaled by SCALES[b],
reshaped row-major to SHAPE.

Output lines:
  case <name> <observer> <kind> <seed> <ch_axis|-> <c|->
  min <hex> ...      (one per slot: per tensor 1, per channel shape[ch_axis])
  max <hex> ...
  scale <hex> ...
  zp <int> ...
"""
import numpy as np
import torch
from calib_data import dataset, fhex  # the shared data sets (tests/data/calib_data.py)
from torch.ao.quantization.observer import (MinMaxObserver, MovingAverageMinMaxObserver,
                                            MovingAveragePerChannelMinMaxObserver, PerChannelMinMaxObserver)

SCALES = [1.0, 1.75, 0.625, 1.25, 0.5]
SHAPE = (6, 8, 25)


n = int(np.prod(SHAPE))
CASES = [
    ("minmax_gauss", "minmax", "gauss", 11, None, None),
    ("ema001_gauss", "ema", "gauss", 12, None, 0.01),
    ("ema03_student", "ema", "student", 13, None, 0.3),
    ("ema001_outliers", "ema", "outliers", 14, None, 0.01),
    ("pc0_gauss", "perchannel", "gauss", 15, 0, None),
    ("pc2_relu", "perchannel", "relu", 16, 2, None),
    ("pcema1_student", "perchannel_ema", "student", 17, 1, 0.01),
    ("pcema0_gauss", "perchannel_ema", "gauss", 18, 0, 0.3),
]
for name, obs, kind, seed, axis, c in CASES:
    if obs == "minmax":
        o = MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine)
    elif obs == "ema":
        o = MovingAverageMinMaxObserver(averaging_constant=c, dtype=torch.quint8, qscheme=torch.per_tensor_affine)
    elif obs == "perchannel":
        o = PerChannelMinMaxObserver(ch_axis=axis, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
    else:
        o = MovingAveragePerChannelMinMaxObserver(averaging_constant=c, ch_axis=axis, dtype=torch.qint8,
                                                  qscheme=torch.per_channel_symmetric)
    for b, s in enumerate(SCALES):
        x = (dataset(kind, seed + 100 * b, n) * s).astype(np.float32).reshape(SHAPE)
        o(torch.from_numpy(x))
    scale, zp = o.calculate_qparams()
    print("case %s %s %s %d %s %s" % (name, obs, kind, seed, "-" if axis is None else axis, "-" if c is None else repr(c)))
    print("min " + " ".join(fhex(v) for v in o.min_val.reshape(-1).tolist()))
    print("max " + " ".join(fhex(v) for v in o.max_val.reshape(-1).tolist()))
    print("scale " + " ".join(fhex(v) for v in scale.reshape(-1).tolist()))
    print("zp " + " ".join(str(int(v)) for v in zp.reshape(-1).tolist()))
