"""Independent reference for test/metrics/frechet-matches-scipy.test.ts: the FID of two tiny synthetic feature sets
computed the way pytorch-fid does (numpy.cov, scipy.linalg.sqrtm of sigma1 @ sigma2, real part), printed with
17 significant digits. Run: python3 scripts/fid-reference.py (numpy and scipy; Debian python3-scipy)."""
import numpy as np
from scipy import linalg


def features(n, d, shift):
    i = np.arange(n, dtype=np.float64)[:, None]
    j = np.arange(d, dtype=np.float64)[None, :]
    return np.sin(0.7 * i + 1.3 * j) + 0.5 * np.cos(1.1 * i * j + 0.3) + shift * (j + 1) / d


def fid(a, b):
    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1.dot(s2))
    covmean = covmean.real
    diff = mu1 - mu2
    return diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


a = features(50, 4, 0.0)
b = features(60, 4, 0.8)[7:57] * 1.5
print(repr(float(fid(a, b))))
print(repr(float(fid(a, a))))
