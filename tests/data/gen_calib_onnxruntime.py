#!/usr/bin/python3
"""Reference thresholds for qtz's Entropy calibrator with method = onnxruntime
(tests/calib/ort_pytorch_search_test.cpp).

Run from the repository root (Debian's numpy; no onnxruntime needed):

    /usr/bin/python3 tests/data/gen_calib_onnxruntime.py > tests/data/calib_onnxruntime_vectors.txt

The histogram is qtz's two-sided histogram (docs/quantization.md eq. (22)): w = 2^e with e the smallest
exponent such that max|x| < B * 2^e; pos[floor(x / w)] for x >= 0 (and -0), neg[floor(-x / w)] for x < 0.
It is laid out as ONNX Runtime's signed histogram: 2B bins neg[B-1], ..., neg[0], pos[0], ..., pos[B-1]
with float32 edges (j - B) * w, data min and max (ORT's histogram tuple (hist, edges, min, max)).

get_entropy_threshold, smooth_distribution, entropy and rel_entr are copied line by line from
microsoft/onnxruntime onnxruntime/python/tools/quantization/calibrate.py and quant_utils.py (the
version with ORT's own float32 `entropy`, no scipy), changed only to also return the chosen index
i = num_half_quantized_bin + argmin.  For information, the same search with a float64 KL
(scipy.stats.entropy, as older ORT releases used) is printed as ort_entropy_f64.

Data: the data sets of gen_calib_tensorrt.py (its docstring describes them; tests/calib/calib_data.hpp
reproduces them bit for bit): 3 batches of 20000 values, seeds seed + 100 b, scaled by SCALES[b].

Output lines:
  case <kind> <bins B> <num_quantized_bins> <seed>
  ort_entropy <i> <lo as float hex> <hi as float hex>     ORT's (clipped) thresholds on this histogram
  ort_entropy_f64 <i>
"""
import copy

import numpy as np
from scipy.stats import entropy as scipy_entropy

from calib_data import all_data, qtz_signed_counts  # the shared data sets (tests/data/calib_data.py)


# ---- qtz's two-sided histogram, as ORT's signed histogram tuple ----
def qtz_signed_histogram(x, B):
    ng, pos, w = qtz_signed_counts(x, B)
    hist = np.concatenate([ng[::-1], pos])
    edges = ((np.arange(2 * B + 1, dtype=np.float64) - B) * w).astype(np.float32)
    return (hist, edges, np.min(x), np.max(x))


# ---- ONNX Runtime quant_utils.py / calibrate.py, line by line ----
def smooth_distribution(p, eps=0.0001):
    is_zeros = (p == 0).astype(np.float32)
    is_nonzeros = (p != 0).astype(np.float32)
    n_zeros = is_zeros.sum()
    n_nonzeros = p.size - n_zeros

    if not n_nonzeros:
        return None
    eps1 = eps * float(n_zeros) / float(n_nonzeros)
    assert eps1 < 1.0, f"n_zeros={n_zeros}, n_nonzeros={n_nonzeros}, eps1={eps1}"

    hist = p.astype(np.float32)
    hist += eps * is_zeros + (-eps1) * is_nonzeros
    assert (hist <= 0).sum() == 0

    return hist


def rel_entr(pk, qk):
    res = np.empty(pk.shape, dtype=pk.dtype)
    res[:] = pk[:] * np.log(pk[:] / qk[:])
    c2 = (pk == 0) & (qk >= 0)
    res[c2] = 0
    c1 = (pk > 0) & (qk > 0)
    res[~c1] = np.inf
    return res


def entropy(pk, qk, base=None, axis=0):
    assert base is None or base > 0, "base={base} must be a positive number or `None`."
    assert qk is not None, "qk is None"

    pk = np.asarray(pk).astype(np.float32)
    pk = 1.0 * pk / np.sum(pk, axis=axis, keepdims=True)

    qk = np.asarray(qk).astype(np.float32)
    pk, qk = np.broadcast_arrays(pk, qk)
    qk = 1.0 * qk / np.sum(qk, axis=axis, keepdims=True)
    vec = rel_entr(pk, qk)

    s = np.sum(vec, axis=axis)
    if base is not None:
        s /= np.log(base)
    return s.astype(pk.dtype)


def get_entropy_threshold(histogram, num_quantized_bins, entropy_fn=entropy):
    hist = histogram[0]
    hist_edges = histogram[1]
    num_bins = hist.size
    zero_bin_index = num_bins // 2
    num_half_quantized_bin = num_quantized_bins // 2

    dtype = histogram[1].dtype
    kl_divergence = np.zeros(zero_bin_index - num_half_quantized_bin + 1)
    thresholds = [(np.array(0, dtype=dtype), np.array(0, dtype=dtype)) for i in range(kl_divergence.size)]

    for i in range(num_half_quantized_bin, zero_bin_index + 1, 1):
        start_index = zero_bin_index - i
        end_index = min(zero_bin_index + i + 1, num_bins)

        thresholds[i - num_half_quantized_bin] = (hist_edges[start_index], hist_edges[end_index])

        sliced_distribution = copy.deepcopy(hist[start_index:end_index])

        # reference distribution p
        p = sliced_distribution.copy()  # a copy of np array
        left_outliers_count = sum(hist[:start_index])
        right_outliers_count = sum(hist[end_index:])
        p[0] += left_outliers_count
        p[-1] += right_outliers_count

        # nonzeros[i] incidates whether p[i] is non-zero
        nonzeros = (p != 0).astype(np.int64)

        # quantize p.size bins into quantized bins (default 128 bins)
        quantized_bins = np.zeros(num_quantized_bins, dtype=np.int64)
        num_merged_bins = sliced_distribution.size // num_quantized_bins

        # merge bins into quantized bins
        for index in range(num_quantized_bins):
            start = index * num_merged_bins
            end = start + num_merged_bins
            quantized_bins[index] = sum(sliced_distribution[start:end])
        quantized_bins[-1] += sum(sliced_distribution[num_quantized_bins * num_merged_bins :])

        # in order to compare p and q, we need to make length of q equals to length of p
        # expand quantized bins into p.size bins
        q = np.zeros(p.size, dtype=np.int64)
        for index in range(num_quantized_bins):
            start = index * num_merged_bins
            end = start + num_merged_bins

            norm = sum(nonzeros[start:end])
            if norm != 0:
                q[start:end] = quantized_bins[index] / norm

        p = smooth_distribution(p)
        q = smooth_distribution(q)
        if p is None or q is None:
            div = np.array(np.inf, dtype=dtype)
        else:
            div = np.array(entropy_fn(p, q), dtype=dtype)
        kl_divergence[i - num_half_quantized_bin] = div

    min_kl_divergence_idx = np.argmin(kl_divergence)
    optimal_threshold = thresholds[min_kl_divergence_idx]
    min_value = histogram[2]
    max_value = histogram[3]
    if optimal_threshold[0] < min_value:
        optimal_threshold = (min_value, optimal_threshold[1])
    if optimal_threshold[1] > max_value:
        optimal_threshold = (optimal_threshold[0], max_value)
    assert hasattr(optimal_threshold[0], "dtype")
    assert hasattr(optimal_threshold[1], "dtype")
    return optimal_threshold, int(min_kl_divergence_idx) + num_half_quantized_bin


def f64_entropy(p, q):
    return scipy_entropy(p.astype(np.float64), q.astype(np.float64))


CASES = [("gauss", 256, 128), ("relu", 256, 128), ("student", 256, 128), ("outliers", 256, 128),
         ("gauss", 2048, 128), ("student", 2048, 128), ("outliers", 512, 64), ("relu", 1024, 256)]

for n, (kind, B, nq) in enumerate(CASES):
    seed = 5000 + 1000 * n
    x = all_data(kind, seed)
    h = qtz_signed_histogram(x, B)
    (lo, hi), i = get_entropy_threshold(h, nq)
    _, i64 = get_entropy_threshold(h, nq, f64_entropy)
    print("case %s %d %d %d" % (kind, B, nq, seed))
    print("ort_entropy %d %s %s" % (i, float(np.float32(lo)).hex(), float(np.float32(hi)).hex()))
    print("ort_entropy_f64 %d" % i64)
