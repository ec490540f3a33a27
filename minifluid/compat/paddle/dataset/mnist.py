"""paddle.dataset.mnist: the MNIST digits, from the four idx-ubyte .gz files. A sample is
(image: float32 array of 784 pixels scaled to [-1, 1], label: int in 0..9), as fluid 1.8."""
from __future__ import annotations

import gzip

import numpy as np

from . import common

__all__ = ["train", "test"]

URL_PREFIX = "https://dataset.bj.bcebos.com/mnist/"
TEST_IMAGE_URL = URL_PREFIX + "t10k-images-idx3-ubyte.gz"
TEST_IMAGE_MD5 = "9fb629c4189551a2d022fa330f9573f3"
TEST_LABEL_URL = URL_PREFIX + "t10k-labels-idx1-ubyte.gz"
TEST_LABEL_MD5 = "ec29112dd5afa0611ce80d1b7f02629c"
TRAIN_IMAGE_URL = URL_PREFIX + "train-images-idx3-ubyte.gz"
TRAIN_IMAGE_MD5 = "f68b3c2dcbeaaa9fbdd348bbdeb94873"
TRAIN_LABEL_URL = URL_PREFIX + "train-labels-idx1-ubyte.gz"
TRAIN_LABEL_MD5 = "d53e105ee54ea40749a09fcbcd1e9432"


def _idx(filename, magic, ndim):
    """The uint8 array in an idx-ubyte .gz file (big-endian header: magic, then dims)."""
    with gzip.open(filename, "rb") as f:
        buf = f.read()
    head = np.frombuffer(buf, ">u4", count=1 + ndim)
    if head.size < 1 + ndim or head[0] != magic:
        raise ValueError(f"paddle.dataset.mnist: {filename} is not an idx file with magic "
                         f"{magic} (got {head[:1].tolist()})")
    dims = [int(d) for d in head[1:]]
    body = np.frombuffer(buf, np.uint8, offset=4 * (1 + ndim))
    if body.size < np.prod(dims):
        raise ValueError(f"paddle.dataset.mnist: {filename} is truncated: {body.size} bytes "
                         f"for shape {dims}")
    return body[:int(np.prod(dims))].reshape(dims)


def reader_creator(image_filename, label_filename, buffer_size=100):
    def reader():
        images = _idx(image_filename, 2051, 3)
        labels = _idx(label_filename, 2049, 1)
        n = min(len(images), len(labels))
        for start in range(0, n, buffer_size):  # scaled a block at a time, as fluid 1.8
            block = images[start:start + buffer_size].reshape(-1, images.shape[1] *
                                                              images.shape[2])
            block = block.astype("float32") / 255.0 * 2.0 - 1.0
            for img, label in zip(block, labels[start:start + buffer_size]):
                yield img, int(label)
    return reader


def train():
    """A reader of the 60000 training (image, label) pairs."""
    return reader_creator(common.download(TRAIN_IMAGE_URL, "mnist", TRAIN_IMAGE_MD5),
                          common.download(TRAIN_LABEL_URL, "mnist", TRAIN_LABEL_MD5), 100)


def test():
    """A reader of the 10000 test (image, label) pairs."""
    return reader_creator(common.download(TEST_IMAGE_URL, "mnist", TEST_IMAGE_MD5),
                          common.download(TEST_LABEL_URL, "mnist", TEST_LABEL_MD5), 100)


def fetch():
    for url, md5 in ((TRAIN_IMAGE_URL, TRAIN_IMAGE_MD5), (TRAIN_LABEL_URL, TRAIN_LABEL_MD5),
                     (TEST_IMAGE_URL, TEST_IMAGE_MD5), (TEST_LABEL_URL, TEST_LABEL_MD5)):
        common.download(url, "mnist", md5)
