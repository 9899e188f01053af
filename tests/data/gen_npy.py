#!/usr/bin/env python3
"""Writes the NumPy .npy fixtures in tests/data/npy/ that tests/io/npy_test.cpp and
tests/tool/cli_test.cpp read. Run from the repository root with Debian's python3-numpy (1.24.2):

    /usr/bin/python3 tests/data/gen_npy.py

Every value is a closed-form function of the element's logical C-order index i, so the tests can
recompute it without NumPy:
  f32_c.npy      float32 (2, 3, 4), C order:        v(i) = (i - 11) * 0.375, and v(5) = 1/3 (float32)
  f32_f.npy      the same tensor in Fortran order (np.asfortranarray): same logical values
  f32_3d_f.npy   float32 (3, 4, 5), Fortran order:   v(i) = (i % 7) - 2.5 + i / 64 (exact in float32)
  f32_scalar.npy float32 shape (), value 2.5
  f32_empty.npy  float32 shape (0, 3)
  f32_v2.npy     float32 (5,), format version 2.0:  v(i) = i - 2
  i8.npy         int8 (6,):  [-128, -1, 0, 1, 7, 127]
  u8.npy         uint8 (4,): [0, 1, 128, 255]
  i16.npy        int16 (2, 2): [[-32768, -1], [2, 32767]]
  u16.npy        uint16 (3,): [0, 258, 65535]
"""
import os
import numpy as np

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")
os.makedirs(out, exist_ok=True)

a = ((np.arange(24, dtype=np.float64) - 11) * 0.375).astype(np.float32)
a[5] = np.float32(1.0 / 3.0)
a = a.reshape(2, 3, 4)
np.save(os.path.join(out, "f32_c.npy"), a)
np.save(os.path.join(out, "f32_f.npy"), np.asfortranarray(a))

i = np.arange(60, dtype=np.float64)
b = ((i % 7) - 2.5 + i / 64).astype(np.float32).reshape(3, 4, 5)
np.save(os.path.join(out, "f32_3d_f.npy"), np.asfortranarray(b))

np.save(os.path.join(out, "f32_scalar.npy"), np.float32(2.5))
np.save(os.path.join(out, "f32_empty.npy"), np.zeros((0, 3), dtype=np.float32))
with open(os.path.join(out, "f32_v2.npy"), "wb") as f:
    np.lib.format.write_array(f, (np.arange(5) - 2).astype(np.float32), version=(2, 0))

np.save(os.path.join(out, "i8.npy"), np.array([-128, -1, 0, 1, 7, 127], dtype=np.int8))
np.save(os.path.join(out, "u8.npy"), np.array([0, 1, 128, 255], dtype=np.uint8))
np.save(os.path.join(out, "i16.npy"), np.array([[-32768, -1], [2, 32767]], dtype=np.int16))
np.save(os.path.join(out, "u16.npy"), np.array([0, 258, 65535], dtype=np.uint16))
