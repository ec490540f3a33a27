"""paddle.dataset.imikolov: the Penn Treebank text of Mikolov's simple-examples.tgz.
build_dict counts words of ptb.train.txt and ptb.valid.txt (each line adds one <s> and one
<e>), keeps those seen more than min_word_freq times, ids them by falling count then word,
and gives <unk> the last id. train/test yield, with DataType.NGRAM, every n-gram of word ids
of '<s> line <e>' as a tuple; with DataType.SEQ, (src, trg) lists: <s> + line and line + <e>
(lines whose src is longer than n > 0 are skipped). Words are str (fluid 1.8 on Python 3
keyed them as bytes, except <s>, <e> and <unk>); the ids are the same."""
from __future__ import annotations

import collections
import tarfile

from . import common

__all__ = ["train", "test", "build_dict", "DataType"]

URL = "https://dataset.bj.bcebos.com/imikolov%2Fsimple-examples.tgz"
MD5 = "30177ea32e27c525793142b6bf2c8e2d"
TRAIN_FILE = "./simple-examples/data/ptb.train.txt"
TEST_FILE = "./simple-examples/data/ptb.valid.txt"


class DataType:
    NGRAM = 1
    SEQ = 2


def _lines(tf, name):
    try:
        member = tf.getmember(name)
    except KeyError:  # an archive written without the leading './'
        member = tf.getmember(name[2:])
    for line in tf.extractfile(member):
        yield line.decode("utf-8").strip().split()


def _word_count(words_per_line, freq):
    for words in words_per_line:
        for w in words:
            freq[w] += 1
        freq["<s>"] += 1
        freq["<e>"] += 1
    return freq


def build_dict(min_word_freq=50):
    """{word: id} of the words seen more than min_word_freq times, plus <unk>."""
    with tarfile.open(common.download(URL, "imikolov", MD5)) as tf:
        freq = collections.defaultdict(int)
        _word_count(_lines(tf, TRAIN_FILE), freq)
        _word_count(_lines(tf, TEST_FILE), freq)
    freq.pop("<unk>", None)
    kept = sorted((x for x in freq.items() if x[1] > min_word_freq), key=lambda x: (-x[1], x[0]))
    word_idx = {w: i for i, (w, _) in enumerate(kept)}
    word_idx["<unk>"] = len(kept)
    return word_idx


def reader_creator(filename, word_idx, n, data_type):
    if data_type not in (DataType.NGRAM, DataType.SEQ):
        raise ValueError(f"paddle.dataset.imikolov: data_type must be DataType.NGRAM (1) or "
                         f"DataType.SEQ (2), got {data_type!r}")
    if data_type == DataType.NGRAM and n < 0:
        raise ValueError(f"paddle.dataset.imikolov: the n-gram length n must be >= 0, got {n}")

    def reader():
        unk = word_idx["<unk>"]
        with tarfile.open(common.download(URL, "imikolov", MD5)) as tf:
            for words in _lines(tf, filename):
                if data_type == DataType.NGRAM:
                    ids = [word_idx.get(w, unk) for w in ["<s>"] + words + ["<e>"]]
                    if len(ids) >= n:
                        for i in range(n, len(ids) + 1):
                            yield tuple(ids[i - n:i])
                else:
                    ids = [word_idx.get(w, unk) for w in words]
                    src, trg = [word_idx["<s>"]] + ids, ids + [word_idx["<e>"]]
                    if n > 0 and len(src) > n:
                        continue
                    yield src, trg
    return reader


def train(word_idx, n, data_type=DataType.NGRAM):
    """A reader of ptb.train.txt's n-grams (or (src, trg) sequences, DataType.SEQ)."""
    return reader_creator(TRAIN_FILE, word_idx, n, data_type)


def test(word_idx, n, data_type=DataType.NGRAM):
    """A reader of ptb.valid.txt's n-grams (or (src, trg) sequences, DataType.SEQ)."""
    return reader_creator(TEST_FILE, word_idx, n, data_type)


def fetch():
    common.download(URL, "imikolov", MD5)
