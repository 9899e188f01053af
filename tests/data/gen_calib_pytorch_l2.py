#!/usr/bin/python3
"""Reference ranges for qtz's Mse calibrator with method = pytorch (tests/calib/ort_pytorch_search_test.cpp).

Run from the repository root (Debian's numpy):

    /usr/bin/python3 tests/data/gen_calib_pytorch_l2.py > tests/data/calib_pytorch_l2_vectors.txt

PyTorch's HistogramObserver L2 search (torch/ao/quantization/observer.py `_non_linear_param_search`
and `_compute_quantization_error`, PyTorch 1.13; a port of caffe2 NormMinimization) re-implemented
straightforwardly in numpy float64, vectorised over the source bins as PyTorch writes it, and run
on qtz's two-sided histogram laid out as 2B signed bins of width w (neg[B-1], ..., neg[0], pos[0],
..., pos[B-1], origin -B*w).  This is PyTorch's search on qtz's exact histogram, not
HistogramObserver end to end (its own histogram differs).

The histogram: w = 2^e with e the smallest exponent such that max|x| < B * 2^e; pos[floor(x / w)]
for x >= 0 (and -0), neg[floor(-x / w)] for x < 0.  Data: the data sets of gen_calib_tensorrt.py (its
docstring describes them; tests/calib/calib_data.hpp reproduces them bit for bit): 3 batches of
20000 values, seeds seed + 100 b, scaled by SCALES[b].

Output lines:
  case <kind> <bins B> <dst_nbins> <seed>
  l2 <start bin s> <end bin e> <lo as float hex> <hi as float hex>
      s, e in the signed histogram; lo = max(-B w + s w, min x), hi = min(-B w + (e + 1) w, max x)
"""
import numpy as np

from calib_data import all_data, qtz_signed_counts  # the shared data sets (tests/data/calib_data.py)


def qtz_signed_histogram(x, B):  # qtz's two-sided histogram as one array (negative bins reversed), width
    ng, pos, w = qtz_signed_counts(x, B)
    return np.concatenate([ng[::-1], pos]), w


def get_norm(delta_begin, delta_end, density):
    norm = (delta_end * delta_end * delta_end - delta_begin * delta_begin * delta_begin) / 3
    return density * norm


def quantization_error(hist, bin_width, dst_nbins, next_start_bin, next_end_bin):
    bins = hist.size
    dst_bin_width = bin_width * (next_end_bin - next_start_bin + 1) / dst_nbins
    if dst_bin_width == 0.0:
        return 0.0
    src_bin = np.arange(bins, dtype=np.float64)
    src_bin_begin = (src_bin - next_start_bin) * bin_width
    src_bin_end = src_bin_begin + bin_width
    dst_bin_of_begin = np.clip(np.floor(src_bin_begin / dst_bin_width), 0, dst_nbins - 1)
    dst_bin_of_begin_center = (dst_bin_of_begin + 0.5) * dst_bin_width
    dst_bin_of_end = np.clip(np.floor(src_bin_end / dst_bin_width), 0, dst_nbins - 1)
    density = hist.astype(np.float64) / bin_width
    norm = np.zeros(bins)
    norm += get_norm(src_bin_begin - dst_bin_of_begin_center, np.full(bins, dst_bin_width / 2), density)
    norm += (dst_bin_of_end - dst_bin_of_begin - 1) * get_norm(-dst_bin_width / 2, dst_bin_width / 2, density)
    dst_bin_of_end_center = dst_bin_of_end * dst_bin_width + dst_bin_width / 2
    norm += get_norm(-dst_bin_width / 2, src_bin_end - dst_bin_of_end_center, density)
    return float(norm.sum())


def non_linear_param_search(hist, bin_width, dst_nbins):
    bins = hist.size
    total = int(hist.sum())
    cSum = np.cumsum(hist)
    stepsize = 1e-5
    alpha = 0.0
    beta = 1.0
    start_bin = 0
    end_bin = bins - 1
    norm_min = float("inf")
    while alpha < beta:
        next_alpha = alpha + stepsize
        next_beta = beta - stepsize
        l = start_bin
        r = end_bin
        while l < end_bin and cSum[l] < next_alpha * total:
            l = l + 1
        while r > start_bin and cSum[r] > next_beta * total:
            r = r - 1
        next_start_bin = start_bin
        next_end_bin = end_bin
        if (l - start_bin) > (end_bin - r):
            next_start_bin = l
            alpha = next_alpha
        else:
            next_end_bin = r
            beta = next_beta
        if next_start_bin == start_bin and next_end_bin == end_bin:
            continue
        norm = quantization_error(hist, bin_width, dst_nbins, next_start_bin, next_end_bin)
        if norm > norm_min:
            break
        norm_min = norm
        start_bin = next_start_bin
        end_bin = next_end_bin
    return start_bin, end_bin


CASES = [("gauss", 2048, 256), ("relu", 2048, 256), ("student", 2048, 256), ("outliers", 2048, 256),
         ("gauss", 256, 256), ("student", 512, 16), ("outliers", 1024, 256)]

for n, (kind, B, dst) in enumerate(CASES):
    seed = 20000 + 1000 * n
    x = all_data(kind, seed)
    hist, w = qtz_signed_histogram(x, B)
    s, e = non_linear_param_search(hist, w, dst)
    lo = max(np.float32((s - B) * w), np.min(x))
    hi = min(np.float32((e + 1 - B) * w), np.max(x))
    print("case %s %d %d %d" % (kind, B, dst, seed))
    print("l2 %d %d %s %s" % (s, e, float(np.float32(lo)).hex(), float(np.float32(hi)).hex()))
