"""paddle.dataset.wmt16: the tokenised WMT16 English-German multimodal translation data
(wmt16.tar.gz: wmt16/train, wmt16/val, wmt16/test, one 'english<TAB>german' pair a line).
A language's dictionary of dict_size words (<s>, <e>, <unk>, then the train set's words by
falling count, ties in order of first appearance) is built on first use and kept as
<data home>/wmt16/<lang>_<size>.dict, as fluid 1.8. A sample is (src ids: <s> words <e>,
trg ids: <s> words, trg next ids: words <e>)."""
from __future__ import annotations

import collections
import os
import tarfile
import tempfile

from . import common

__all__ = ["train", "test", "validation", "get_dict"]

DATA_URL = "http://paddlemodels.bj.bcebos.com/wmt/wmt16.tar.gz"
DATA_MD5 = "0c38be43600334966403524a40dcd81e"
TOTAL_EN_WORDS = 11250
TOTAL_DE_WORDS = 19220
START_MARK, END_MARK, UNK_MARK = "<s>", "<e>", "<unk>"


def _pairs(tar_file, name):
    with tarfile.open(tar_file, mode="r") as f:
        for line in f.extractfile(name):
            split = line.decode("utf-8").strip().split("\t")
            if len(split) == 2:
                yield split


def _build_dict(tar_file, dict_size, save_path, lang):
    freq = collections.Counter()
    for en, de in _pairs(tar_file, "wmt16/train"):
        freq.update((en if lang == "en" else de).split())
    # sorted() is stable: words of equal count stay in order of first appearance
    words = [w for w, _ in sorted(freq.items(), key=lambda x: x[1], reverse=True)]
    os.makedirs(os.path.dirname(save_path), exist_ok=True)
    # written under a fresh name and renamed: a reader never sees half of it, and a link
    # planted at save_path is replaced, not written through
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(save_path), prefix=".dict-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write("".join(f"{w}\n" for w in [START_MARK, END_MARK, UNK_MARK] +
                              words[:max(dict_size - 3, 0)]).encode("utf-8"))
        os.replace(tmp, save_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _dict_path(lang, dict_size):
    return os.path.join(common.data_home(), "wmt16", f"{lang}_{dict_size}.dict")


def _load_dict(tar_file, dict_size, lang, reverse=False):
    path = _dict_path(lang, dict_size)
    if not os.path.exists(path) or len(open(path, "rb").readlines()) != dict_size:
        _build_dict(tar_file, dict_size, path, lang)
    with open(path, "rb") as f:
        words = [line.strip().decode("utf-8") for line in f]
    return dict(enumerate(words)) if reverse else {w: i for i, w in enumerate(words)}


def _sizes(src_dict_size, trg_dict_size, src_lang):
    if src_lang not in ("en", "de"):
        raise ValueError(f"paddle.dataset.wmt16: src_lang must be 'en' (English) or 'de' "
                         f"(German), got {src_lang!r}")
    en, de = (src_dict_size, trg_dict_size) if src_lang == "en" else (trg_dict_size,
                                                                       src_dict_size)
    en, de = min(en, TOTAL_EN_WORDS), min(de, TOTAL_DE_WORDS)
    return (en, de) if src_lang == "en" else (de, en)


def reader_creator(tar_file, file_name, src_dict_size, trg_dict_size, src_lang):
    trg_lang = "de" if src_lang == "en" else "en"

    def reader():
        src_dict = _load_dict(tar_file, src_dict_size, src_lang)
        trg_dict = _load_dict(tar_file, trg_dict_size, trg_lang)
        start, end, unk = src_dict[START_MARK], src_dict[END_MARK], src_dict[UNK_MARK]
        src_col = 0 if src_lang == "en" else 1
        for pair in _pairs(tar_file, file_name):
            src = [start] + [src_dict.get(w, unk) for w in pair[src_col].split()] + [end]
            trg = [trg_dict.get(w, unk) for w in pair[1 - src_col].split()]
            yield src, [start] + trg, trg + [end]
    return reader


def _creator(file_name, src_dict_size, trg_dict_size, src_lang):
    src_size, trg_size = _sizes(src_dict_size, trg_dict_size, src_lang)
    tar_file = common.download(DATA_URL, "wmt16", DATA_MD5, "wmt16.tar.gz")
    return reader_creator(tar_file, file_name, src_size, trg_size, src_lang)


def train(src_dict_size, trg_dict_size, src_lang="en"):
    return _creator("wmt16/train", src_dict_size, trg_dict_size, src_lang)


def test(src_dict_size, trg_dict_size, src_lang="en"):
    return _creator("wmt16/test", src_dict_size, trg_dict_size, src_lang)


def validation(src_dict_size, trg_dict_size, src_lang="en"):
    return _creator("wmt16/val", src_dict_size, trg_dict_size, src_lang)


def get_dict(lang, dict_size, reverse=False):
    """{word: id} (or {id: word} with reverse) of the dictionary a reader built."""
    dict_size = min(dict_size, TOTAL_EN_WORDS if lang == "en" else TOTAL_DE_WORDS)
    if not os.path.exists(_dict_path(lang, dict_size)):
        raise ValueError(f"paddle.dataset.wmt16: no {lang} dictionary of {dict_size} words at "
                         f"{_dict_path(lang, dict_size)}: call wmt16.train/test/validation "
                         f"first to build it")
    tar_file = common.download(DATA_URL, "wmt16", DATA_MD5, "wmt16.tar.gz")
    return _load_dict(tar_file, dict_size, lang, reverse)


def fetch():
    common.download(DATA_URL, "wmt16", DATA_MD5, "wmt16.tar.gz")
