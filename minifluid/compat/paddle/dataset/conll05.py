"""paddle.dataset.conll05: the CoNLL-2005 semantic role labelling test set (WSJ section),
with the word, verb and label dictionaries and the word embedding of the fluid 1.8 book.
test() yields, for each predicate of each sentence, nine lists of ids, as fluid 1.8:
    (words, ctx_n2, ctx_n1, ctx_0, ctx_p1, ctx_p2, predicate, mark, labels)
where ctx_* repeat the word ids two before to two after the verb ('bos'/'eos' past the
sentence's ends), mark flags those five positions, and labels are the BIO label ids. Label
ids go B-tag, I-tag in sorted tag order, then O (fluid 1.8 enumerated a set, whose order
changes from run to run)."""
from __future__ import annotations

import gzip
import tarfile

from . import common

__all__ = ["test", "get_dict", "get_embedding"]

DATA_URL = "http://paddlemodels.bj.bcebos.com/conll05st/conll05st-tests.tar.gz"
DATA_MD5 = "387719152ae52d60422c016e92a742fc"
WORDDICT_URL = "http://paddlemodels.bj.bcebos.com/conll05st%2FwordDict.txt"
WORDDICT_MD5 = "ea7fb7d4c75cc6254716f0177a506baa"
VERBDICT_URL = "http://paddlemodels.bj.bcebos.com/conll05st%2FverbDict.txt"
VERBDICT_MD5 = "0d2977293bbb6cbefab5b0f97db1e77c"
TRGDICT_URL = "http://paddlemodels.bj.bcebos.com/conll05st%2FtargetDict.txt"
TRGDICT_MD5 = "d8c7f03ceb5fc2e5a0fa7503a4353751"
EMB_URL = "http://paddlemodels.bj.bcebos.com/conll05st%2Femb"
EMB_MD5 = "bf436eb0faa1f6f9103017f8be57cdb7"
UNK_IDX = 0


def load_label_dict(filename):
    with open(filename, encoding="utf-8") as f:
        tags = sorted({line.strip()[2:] for line in f if line.strip()[:2] in ("B-", "I-")})
    d = {}
    for tag in tags:
        d["B-" + tag] = len(d)
        d["I-" + tag] = len(d)
    d["O"] = len(d)
    return d


def load_dict(filename):
    with open(filename, encoding="utf-8") as f:
        return {line.strip(): i for i, line in enumerate(f)}


def _bio(column):
    """A predicate's bracketed column ((A0* * *) ...) as B-/I-/O labels."""
    seq, tag, inside = [], "O", False
    for lab in column:
        if lab == "*":
            seq.append("I-" + tag if inside else "O")
        elif lab == "*)":
            seq.append("I-" + tag)
            inside = False
        elif "(" in lab:
            tag = lab[1:lab.find("*")]
            seq.append("B-" + tag)
            inside = ")" not in lab
        else:
            raise ValueError(f"paddle.dataset.conll05: unexpected label {lab!r}")
    return seq


def _sentence(words, rows):
    """(words, verb, BIO labels) for each predicate of one sentence."""
    columns = list(zip(*rows))
    verbs = [v for v in columns[0] if v != "-"]
    for verb, column in zip(verbs, columns[1:]):
        yield words, verb, _bio(column)


def corpus_reader(data_path, words_name, props_name):
    def reader():
        with tarfile.open(data_path) as tf, \
                gzip.GzipFile(fileobj=tf.extractfile(words_name)) as words_file, \
                gzip.GzipFile(fileobj=tf.extractfile(props_name)) as props_file:
            words, rows = [], []
            for word, props in zip(words_file, props_file):
                props = props.decode("utf-8").split()
                if props:
                    words.append(word.decode("utf-8").strip())
                    rows.append(props)
                elif rows:  # a blank line ends a sentence
                    yield from _sentence(words, rows)
                    words, rows = [], []
    return reader


def _context(sentence, labels):
    """The words two before to two after the verb, and the mark of those positions."""
    v = labels.index("B-V")
    mark = [0] * len(labels)
    ctx = []
    for off in (-2, -1, 0, 1, 2):
        i = v + off
        if 0 <= i < len(labels):
            mark[i] = 1
            ctx.append(sentence[i])
        else:
            ctx.append("bos" if off < 0 else "eos")
    return ctx, mark


def reader_creator(corpus_reader, word_dict=None, predicate_dict=None, label_dict=None):
    def reader():
        for sentence, predicate, labels in corpus_reader():
            n = len(sentence)
            ctx, mark = _context(sentence, labels)
            yield ([word_dict.get(w, UNK_IDX) for w in sentence],
                   *([word_dict.get(c, UNK_IDX)] * n for c in ctx),
                   [predicate_dict.get(predicate)] * n, mark,
                   [label_dict.get(w) for w in labels])
    return reader


def get_dict():
    """(word dict, verb dict, label dict) of the book's dictionaries."""
    word_dict = load_dict(common.download(WORDDICT_URL, "conll05st", WORDDICT_MD5))
    verb_dict = load_dict(common.download(VERBDICT_URL, "conll05st", VERBDICT_MD5))
    label_dict = load_label_dict(common.download(TRGDICT_URL, "conll05st", TRGDICT_MD5))
    return word_dict, verb_dict, label_dict


def get_embedding():
    """The path of the trained word embedding file."""
    return common.download(EMB_URL, "conll05st", EMB_MD5)


def test():
    """A reader of the WSJ test set's nine-field samples."""
    word_dict, verb_dict, label_dict = get_dict()
    reader = corpus_reader(
        common.download(DATA_URL, "conll05st", DATA_MD5),
        words_name="conll05st-release/test.wsj/words/test.wsj.words.gz",
        props_name="conll05st-release/test.wsj/props/test.wsj.props.gz")
    return reader_creator(reader, word_dict, verb_dict, label_dict)


def fetch():
    for url, md5 in ((WORDDICT_URL, WORDDICT_MD5), (VERBDICT_URL, VERBDICT_MD5),
                     (TRGDICT_URL, TRGDICT_MD5), (EMB_URL, EMB_MD5), (DATA_URL, DATA_MD5)):
        common.download(url, "conll05st", md5)
