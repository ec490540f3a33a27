"""paddle.dataset.imdb: the IMDB reviews of aclImdb_v1.tar.gz. A review is tokenised as
fluid 1.8 does: trailing newlines stripped, ASCII punctuation deleted, ASCII lower-cased,
split on whitespace. word_dict ids the words of all train and test reviews seen more than 150
times (by falling count, then word; <unk> last); train/test yield (word ids, label), label 0
for a positive review and 1 for a negative one, positives first, in archive order. Words are
str (fluid 1.8 on Python 3 keyed them as bytes); the ids are the same."""
from __future__ import annotations

import collections
import re
import string
import tarfile

from . import common

__all__ = ["build_dict", "train", "test", "word_dict"]

URL = "https://dataset.bj.bcebos.com/imdb%2FaclImdb_v1.tar.gz"
MD5 = "7c2ac02c03563afcf9b574c7e56c153a"
_PUNCT = string.punctuation.encode()
_MAX_MEMBER = 1 << 26


def tokenize(pattern):
    """The token lists of the archive's files whose names match `pattern`, in archive order."""
    with tarfile.open(common.download(URL, "imdb", MD5)) as tarf:
        for member in tarf:
            if member.isfile() and pattern.match(member.name):
                if member.size > _MAX_MEMBER:  # a review is a few KB
                    raise ValueError(f"paddle.dataset.imdb: {member.name} in the archive is "
                                     f"{member.size} bytes; a review is far smaller")
                text = tarf.extractfile(member).read().rstrip(b"\n\r")
                yield [w.decode("utf-8", "surrogateescape")
                       for w in text.translate(None, _PUNCT).lower().split()]


def build_dict(pattern, cutoff):
    """{word: id} of the words of matching files seen more than `cutoff` times, plus <unk>."""
    freq = collections.defaultdict(int)
    for doc in tokenize(pattern):
        for w in doc:
            freq[w] += 1
    kept = sorted((x for x in freq.items() if x[1] > cutoff), key=lambda x: (-x[1], x[0]))
    word_idx = {w: i for i, (w, _) in enumerate(kept)}
    word_idx["<unk>"] = len(kept)
    return word_idx


def reader_creator(pos_pattern, neg_pattern, word_idx):
    unk = word_idx["<unk>"]
    samples = [([word_idx.get(w, unk) for w in doc], label)
               for pattern, label in ((pos_pattern, 0), (neg_pattern, 1))
               for doc in tokenize(pattern)]

    def reader():
        yield from samples
    return reader


def train(word_idx):
    return reader_creator(re.compile(r"aclImdb/train/pos/.*\.txt$"),
                          re.compile(r"aclImdb/train/neg/.*\.txt$"), word_idx)


def test(word_idx):
    return reader_creator(re.compile(r"aclImdb/test/pos/.*\.txt$"),
                          re.compile(r"aclImdb/test/neg/.*\.txt$"), word_idx)


def word_dict():
    return build_dict(re.compile(r"aclImdb/((train)|(test))/((pos)|(neg))/.*\.txt$"), 150)


def fetch():
    common.download(URL, "imdb", MD5)
