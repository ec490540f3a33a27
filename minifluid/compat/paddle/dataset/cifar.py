"""paddle.dataset.cifar: CIFAR-10 and CIFAR-100 (the python-version tar.gz of pickled
batches, read with minifluid.safe_pickle: a batch that asks for code is refused). A sample is
(image: float32 array of 3072 values in [0, 1], label: int), as fluid 1.8; train10/test10
read the data_batch*/test_batch members, train100/test100 the train/test members (fine
labels)."""
from __future__ import annotations

import tarfile

import numpy as np

from minifluid import safe_pickle

from . import common

__all__ = ["train100", "test100", "train10", "test10"]

URL_PREFIX = "https://dataset.bj.bcebos.com/cifar/"
CIFAR10_URL = URL_PREFIX + "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR100_URL = URL_PREFIX + "cifar-100-python.tar.gz"
CIFAR100_MD5 = "eb9058c3a382ffc7106e4002c42a8d85"
_MAX_MEMBER = 1 << 30  # a real batch is ~31 MB; refuse to unpickle anything far larger


def _get(batch, key):
    """batch[key]: keys are bytes in a pickle read as bytes, str when read as latin1."""
    for k in (key, key.encode()):
        if k in batch:
            return batch[k]
    return None


def _samples(batch, what):
    if not isinstance(batch, dict):
        raise ValueError(f"paddle.dataset.cifar: {what} holds a {type(batch).__name__}, "
                         f"not a dict batch")
    data = _get(batch, "data")
    labels = _get(batch, "labels")
    labels = _get(batch, "fine_labels") if labels is None else labels
    if data is None or labels is None:
        raise ValueError(f"paddle.dataset.cifar: {what} has no 'data' and 'labels' (or "
                         f"'fine_labels'): keys {sorted(map(str, batch))}")
    for sample, label in zip(np.asarray(data), labels):
        yield (sample / 255.0).astype(np.float32), int(label)


def reader_creator(filename, sub_name, cycle=False):
    def reader():
        while True:
            with tarfile.open(filename, mode="r") as f:
                for member in f:
                    if sub_name not in member.name or not member.isfile():
                        continue
                    if member.size > _MAX_MEMBER:
                        raise ValueError(f"paddle.dataset.cifar: {member.name} in {filename} "
                                         f"is {member.size} bytes, too large for a batch")
                    what = f"{filename}:{member.name}"
                    batch = safe_pickle.loads(f.extractfile(member).read(), what)
                    yield from _samples(batch, what)
            if not cycle:
                break
    return reader


def train100():
    return reader_creator(common.download(CIFAR100_URL, "cifar", CIFAR100_MD5), "train")


def test100():
    return reader_creator(common.download(CIFAR100_URL, "cifar", CIFAR100_MD5), "test")


def train10(cycle=False):
    return reader_creator(common.download(CIFAR10_URL, "cifar", CIFAR10_MD5), "data_batch",
                          cycle=cycle)


def test10(cycle=False):
    return reader_creator(common.download(CIFAR10_URL, "cifar", CIFAR10_MD5), "test_batch",
                          cycle=cycle)


def fetch():
    common.download(CIFAR10_URL, "cifar", CIFAR10_MD5)
    common.download(CIFAR100_URL, "cifar", CIFAR100_MD5)
