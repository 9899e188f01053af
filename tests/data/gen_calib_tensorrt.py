#!/usr/bin/python3
"""Reference thresholds for qtz's histogram calibrators (tests/calib/trt_calibrators_test.cpp).

Run from the repository root (Debian's python3-torch 1.13, numpy, scipy):

    /usr/bin/python3 tests/data/gen_calib_tensorrt.py > tests/data/calib_tensorrt_vectors.txt

Followed line by line (NVIDIA/TensorRT tools/pytorch-quantization, pytorch_quantization/calib/):
  * histogram.py HistogramCalibrator.collect, torch path (torch_hist=True, skip_zeros=False):
    |x| if min < 0; first batch histc(x, num_bins, 0, x_max) with edges linspace(0, x_max, num_bins+1);
    later batches grow with arange(0, x_max + width, width) and add the old counts into the first
    bins.  Run with the real torch.histc / linspace / arange of this machine (CPU, AVX2 kernels).
  * histogram.py _compute_amax_entropy, _compute_amax_mse, _compute_amax_percentile: copied below,
    changed only to also return the chosen index (and MSE on the CPU instead of .cuda()).
  * max.py MaxCalibrator: amax = max |x| over all batches.
  * fake_tensor_quant (tensor_quant.py, narrow_range=True): q = clamp(round(x * (mb / amax)), -mb, mb) / (mb / amax).
Also, for qtz's own histogram: counts of floor(|x| * 2^-e) (e the smallest exponent with
max|x| < 2048 * 2^e), computed here with numpy, the published entropy search run on them, and the exact
order statistic np.sort(|x|)[ceil(p N / 100) - 1].

Data (reproduced bit for bit by tests/calib/calib_data.hpp): splitmix64 stream from a seed, u_k = top
24 bits; gauss = (sum of 12 u - 6·2^24) / 2^24 (Irwin-Hall, sd 1); relu = max(gauss, 0); student =
g0 / sqrt(((K1^2 + K2^2 + K3^2) / 2^48) / 3) (a Student-t(3) built from Irwin-Hall normals, K the
integer sums); outliers = gauss with every 500th value replaced by 80 u / 2^24 - 40.  Each value is
computed in float64 with correctly rounded operations only, then rounded to float32; batch b of a
data set is scaled by SCALES[b] (float64 product, then float32).

Output lines:
  case <name> <kind> <bits> <unsigned>      one calibration run (all batches of data set <kind>)
  trt_bins <num_bins> <edges[-1] as float hex>
  trt_counts <bin>:<count> ...              non-zero bins of TensorRT's histogram
  trt_entropy <index i> <amax hex>         (start_bin 128, stride 1)
  trt_mse <index> <amax hex>
  trt_pct <p> <index> <amax hex>
  trt_max <amax hex>
  qtz_exp <e>                               qtz histogram width 2^e
  qtz_counts <bin>:<count> ...
  qtz_entropy <index i>
  exact_pct <p> <value hex>                 order statistic of |x| over all batches
"""
import math
from collections import Counter

import numpy as np
import torch
from scipy.stats import entropy

from calib_data import batches, fhex  # the shared data sets (tests/data/calib_data.py)


# ---- pytorch-quantization HistogramCalibrator.collect (torch path) ----
class Hist:
    def __init__(self, num_bins=2048):
        self._num_bins = num_bins
        self._calib_bin_edges = None
        self._calib_hist = None

    def collect(self, x):
        if torch.min(x) < 0.:
            x = x.abs()
        x = x.float()
        with torch.no_grad():
            x_max = x.max()
            if self._calib_bin_edges is None and self._calib_hist is None:
                self._calib_hist = torch.histc(x, bins=self._num_bins, min=0, max=x_max)
                self._calib_bin_edges = torch.linspace(0, x_max, self._num_bins + 1)
            else:
                if x_max > self._calib_bin_edges[-1]:
                    width = self._calib_bin_edges[1] - self._calib_bin_edges[0]
                    self._num_bins = int((x_max / width).ceil().item())
                    self._calib_bin_edges = torch.arange(0, x_max + width, width, device=x.device)
                hist = torch.histc(x, bins=self._num_bins, min=0, max=self._calib_bin_edges[-1])
                hist[:self._calib_hist.numel()] += self._calib_hist
                self._calib_hist = hist


def _compute_amax_entropy(calib_hist, calib_bin_edges, num_bits, unsigned, stride=1, start_bin=128):
    def _normalize_distr(distr):
        summ = np.sum(distr)
        if summ != 0:
            distr = distr / summ

    bins = calib_hist[:]
    bins[0] = bins[1]
    total_data = np.sum(bins)
    divergences = []
    arguments = []
    nbins = 1 << (num_bits - 1 + int(unsigned))
    starting = start_bin
    stop = len(bins)
    new_density_counts = np.zeros(nbins, dtype=np.float64)
    for i in range(starting, stop + 1, stride):
        new_density_counts.fill(0)
        space = np.linspace(0, i, num=nbins + 1)
        digitized_space = np.digitize(range(i), space) - 1
        digitized_space[bins[:i] == 0] = -1
        for idx, digitized in enumerate(digitized_space):
            if digitized != -1:
                new_density_counts[digitized] += bins[idx]
        counter = Counter(digitized_space)
        for key, val in counter.items():
            if key != -1:
                new_density_counts[key] = new_density_counts[key] / val
        new_density = np.zeros(i, dtype=np.float64)
        for idx, digitized in enumerate(digitized_space):
            if digitized != -1:
                new_density[idx] = new_density_counts[digitized]
        total_counts_new = np.sum(new_density) + np.sum(bins[i:])
        _normalize_distr(new_density)
        reference_density = np.array(bins[:len(digitized_space)])
        reference_density[-1] += np.sum(bins[i:])
        total_counts_old = np.sum(reference_density)
        if round(total_counts_new) != total_data or round(total_counts_old) != total_data:
            raise RuntimeError("Count mismatch!")
        _normalize_distr(reference_density)
        ent = entropy(reference_density, new_density)
        divergences.append(ent)
        arguments.append(i)
    divergences = np.array(divergences)
    last_argmin = len(divergences) - 1 - np.argmin(divergences[::-1])
    i = last_argmin * stride + starting
    return i, calib_bin_edges[i]


def fake_tensor_quant(inputs, amax, num_bits=8, unsigned=False, narrow_range=True):
    max_bound = torch.tensor((2.0**(num_bits - 1 + int(unsigned))) - 1.0)
    if unsigned:
        min_bound = 0
    elif narrow_range:
        min_bound = -max_bound
    else:
        min_bound = -max_bound - 1
    scale = max_bound / amax
    epsilon = 1. / (1 << 24)
    if amax <= epsilon:
        zero_amax_mask = (amax <= epsilon)
        scale[zero_amax_mask] = 0
    outputs = torch.clamp((inputs * scale).round_(), min_bound, max_bound)
    if amax <= epsilon:
        scale[zero_amax_mask] = 1.
    return outputs / scale


def _compute_amax_mse(calib_hist, calib_bin_edges, num_bits, unsigned, stride=1, start_bin=128):
    counts = torch.from_numpy(calib_hist[:]).float()
    edges = torch.from_numpy(calib_bin_edges[:]).float()
    centers = (edges[1:] + edges[:-1]) / 2
    mses = []
    arguments = []
    for i in range(start_bin, len(centers), stride):
        amax = centers[i]
        quant_centers = fake_tensor_quant(centers, amax, num_bits, unsigned)
        mse = ((quant_centers - centers)**2 * counts).mean()
        mses.append(mse.cpu())
        arguments.append(i)
    argmin = np.argmin(mses)
    calib_amax = centers[arguments[argmin]]
    return arguments[argmin], calib_amax.cpu()


def _compute_amax_percentile(calib_hist, calib_bin_edges, percentile):
    total = calib_hist.sum()
    cdf = np.cumsum(calib_hist / total)
    idx = np.searchsorted(cdf, percentile / 100)
    calib_amax = calib_bin_edges[idx]
    return idx, calib_amax


def qtz_histogram(all_abs, bins=2048):
    m = float(all_abs.max())
    e = -127
    while not (m < bins * 2.0**e):
        e += 1
    idx = np.floor(all_abs.astype(np.float64) * 2.0**(-e)).astype(np.int64)
    idx = np.minimum(idx, bins - 1)
    return e, np.bincount(idx, minlength=bins)


def sparse(c):
    return " ".join("%d:%d" % (k, int(v)) for k, v in enumerate(c) if v != 0)


CASES = [("gauss8", "gauss", 8, False), ("relu8u", "relu", 8, True), ("student8", "student", 8, False),
         ("outliers8", "outliers", 8, False), ("gauss4", "gauss", 4, False), ("relu8", "relu", 8, False)]

for seed, (name, kind, bits, unsigned) in enumerate(CASES):
    bs = batches(kind, 1000 * (seed + 1))
    h = Hist()
    for b in bs:
        h.collect(torch.from_numpy(b))
    hist_i = h._calib_hist.int().cpu().numpy()
    edges = h._calib_bin_edges.cpu().numpy()
    print("case %s %s %d %d %d" % (name, kind, bits, int(unsigned), 1000 * (seed + 1)))
    print("trt_bins %d %s" % (len(hist_i), fhex(edges[-1])))
    print("trt_counts " + sparse(hist_i))
    i, amax = _compute_amax_entropy(hist_i.copy(), edges, bits, unsigned)
    print("trt_entropy %d %s" % (i, fhex(amax)))
    i, amax = _compute_amax_mse(hist_i.copy(), edges, bits, unsigned)
    print("trt_mse %d %s" % (i, fhex(amax.item())))
    for p in (99.9, 99.99):
        i, amax = _compute_amax_percentile(hist_i.copy(), edges, p)
        print("trt_pct %r %d %s" % (p, i, fhex(amax)))
    print("trt_max %s" % fhex(max(float(np.abs(b).max()) for b in bs)))
    all_abs = np.abs(np.concatenate(bs))
    e, qc = qtz_histogram(all_abs)
    print("qtz_exp %d" % e)
    print("qtz_counts " + sparse(qc))
    qedges = np.arange(2049, dtype=np.float64) * 2.0**e
    i, _ = _compute_amax_entropy(qc.copy(), qedges, bits, unsigned)
    print("qtz_entropy %d" % i)
    srt = np.sort(all_abs)
    for p in (99.9, 99.99):
        r = max(1, math.ceil(p * len(srt) / 100))
        print("exact_pct %r %s" % (p, fhex(srt[r - 1])))
