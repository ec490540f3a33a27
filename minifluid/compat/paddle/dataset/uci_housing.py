"""paddle.dataset.uci_housing: the Boston housing data (housing.data, 506 rows of 14
numbers). Each of the 13 features is normalised as fluid 1.8 does, (x - mean) / (max - min)
over all rows; the first 80% of the rows are the training set, the rest the test set. A
sample is (features: float64 array of 13, price: float64 array of 1)."""
from __future__ import annotations

import functools
import os

import numpy as np

from . import common

__all__ = ["train", "test", "feature_names", "predict_reader"]

URL = "http://paddlemodels.bj.bcebos.com/uci_housing/housing.data"
MD5 = "d4accdce7a25600298819f8e28e8d593"
feature_names = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX",
                 "PTRATIO", "B", "LSTAT"]


def _load(filename):
    st = os.stat(filename)  # read again when the file changes
    return _parse(filename, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _parse(filename, mtime_ns, size, feature_num=14, ratio=0.8):
    data = np.fromfile(filename, sep=" ")
    if data.size == 0 or data.size % feature_num:
        raise ValueError(f"paddle.dataset.uci_housing: {filename} holds {data.size} numbers, "
                         f"not rows of {feature_num}")
    data = data.reshape(-1, feature_num)
    maximums, minimums, avgs = data.max(axis=0), data.min(axis=0), data.mean(axis=0)
    span = maximums[:-1] - minimums[:-1]
    data[:, :-1] = (data[:, :-1] - avgs[:-1]) / span
    offset = int(data.shape[0] * ratio)
    return data[:offset], data[offset:]


def _reader(part):
    rows = _load(common.download(URL, "uci_housing", MD5))[part]

    def reader():
        for d in rows:
            yield d[:-1], d[-1:]
    return reader


def train():
    """A reader of the training set's (features, price)."""
    return _reader(0)


def test():
    """A reader of the test set's (features, price)."""
    return _reader(1)


def predict_reader():
    """The first test sample's features, as a 1-tuple (as fluid 1.8)."""
    return (_load(common.download(URL, "uci_housing", MD5))[1][0][:-1],)


def fetch():
    common.download(URL, "uci_housing", MD5)
