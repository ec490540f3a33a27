"""paddle.dataset readers on small files written here in each dataset's real format, in a
temporary data home; each sample is checked against values computed here from the file's
contents as fluid 1.8 defines them."""
import gzip
import hashlib
import io
import os
import pickle
import re
import string
import tarfile
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest

from minifluid.compat.paddle.dataset import (cifar, common, imdb, imikolov, mnist, movielens,
                                             uci_housing, wmt16, conll05)
from minifluid.safe_pickle import UnsafePickleError


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIFLUID_DATA_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def offline(monkeypatch):
    """No network, even on a machine that has one (a test must never download a dataset)."""
    def urlopen(url, *args, **kwargs):
        raise urllib.error.URLError("no network (test)")
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)


def put(home, module, name, data: bytes):
    d = home / module
    d.mkdir(exist_ok=True)
    (d / name).write_bytes(data)
    return d / name


def tar_bytes(files, mode="w:gz"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# -- common ---------------------------------------------------------------------------------

def test_download_offline_names_file_url_and_destination(home, offline):
    url = "http://nowhere.invalid/some/housing.data"
    with pytest.raises(common.DownloadError) as e:
        common.download(url, "uci_housing", "0" * 32)
    msg = str(e.value)
    assert "housing.data" in msg and url in msg and "no network (test)" in msg
    assert str(home / "uci_housing" / "housing.data") in msg
    assert not (home / "uci_housing" / "housing.data").exists()


def test_download_checks_md5_and_uses_files_there(home, tmp_path_factory):
    src = tmp_path_factory.mktemp("server") / "blob.bin"
    src.write_bytes(b"dataset bytes")
    url = src.as_uri()  # urllib reads file:// URLs: a download without a network
    with pytest.raises(common.DownloadError, match="md5"):
        common.download(url, "m", "0" * 32)
    assert not (home / "m" / "blob.bin").exists() and os.listdir(home / "m") == []
    good = hashlib.md5(b"dataset bytes").hexdigest()
    path = common.download(url, "m", good)
    assert path == str(home / "m" / "blob.bin") and open(path, "rb").read() == b"dataset bytes"
    src.unlink()  # now the file there is used as it is, whatever its md5
    assert common.download(url, "m", "f" * 32) == path


def test_data_home_default_and_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv("MINIFLUID_DATA_HOME", raising=False)
    assert common.data_home() == os.path.expanduser("~/.cache/paddle/dataset")
    monkeypatch.setattr(common, "DATA_HOME", str(tmp_path))  # as 1.8 scripts set it
    put(tmp_path, "imdb", "imdb%2FaclImdb_v1.tar.gz", b"x")
    assert imdb.fetch() is None and common.data_home() == str(tmp_path)
    monkeypatch.setenv("MINIFLUID_DATA_HOME", str(tmp_path / "env"))
    assert common.data_home() == str(tmp_path / "env")  # the environment variable wins


@pytest.mark.parametrize("module", [uci_housing, mnist, imikolov, movielens, cifar, imdb,
                                    wmt16, conll05])
def test_each_dataset_offline_says_where_to_put_its_files(home, offline, module):
    with pytest.raises(common.DownloadError, match=f"put it at {re.escape(str(home))}"):
        module.fetch()


# -- uci_housing ----------------------------------------------------------------------------

def test_uci_housing(home):
    rows = np.random.default_rng(0).uniform(0, 100, (10, 14)).round(4)
    text = "\n".join(" ".join(f"{v:8.4f}" for v in r) for r in rows) + "\n"
    put(home, "uci_housing", "housing.data", text.encode())
    norm = rows.copy()
    for i in range(13):
        norm[:, i] = (rows[:, i] - rows[:, i].mean()) / (rows[:, i].max() - rows[:, i].min())
    train, test = list(uci_housing.train()()), list(uci_housing.test()())
    assert len(train) == 8 and len(test) == 2
    for (x, y), row in zip(train + test, norm):
        assert x.dtype == y.dtype == np.float64 and x.shape == (13,) and y.shape == (1,)
        np.testing.assert_allclose(x, row[:13], rtol=1e-12)
        np.testing.assert_allclose(y, row[13:], rtol=1e-12)
    np.testing.assert_allclose(uci_housing.predict_reader()[0], norm[8, :13])
    path = home / "uci_housing" / "housing.data"
    path.write_text(text * 2)  # a changed file is read again (20 rows: 16 train)
    os.utime(path, ns=(1, 1))
    assert len(list(uci_housing.train()())) == 16


# -- mnist ----------------------------------------------------------------------------------

def idx_gz(magic, arr):
    head = np.array([magic, *arr.shape], ">u4").tobytes()
    return gzip.compress(head + arr.astype(np.uint8).tobytes())


def test_mnist(home):
    rng = np.random.default_rng(1)
    n = 130  # more than one block of 100
    images = rng.integers(0, 256, (n, 28, 28))
    images[0, 0, :2] = [0, 255]
    labels = rng.integers(0, 10, n)
    put(home, "mnist", "train-images-idx3-ubyte.gz", idx_gz(2051, images))
    put(home, "mnist", "train-labels-idx1-ubyte.gz", idx_gz(2049, labels))
    put(home, "mnist", "t10k-images-idx3-ubyte.gz", idx_gz(2051, images[:3]))
    put(home, "mnist", "t10k-labels-idx1-ubyte.gz", idx_gz(2049, labels[:3]))
    got = list(mnist.train()())
    assert len(got) == n and len(list(mnist.test()())) == 3
    for (img, label), want_img, want_label in zip(got, images, labels):
        assert img.dtype == np.float32 and img.shape == (784,)
        assert type(label) is int and label == want_label
        np.testing.assert_allclose(img, want_img.reshape(784) / 255.0 * 2 - 1, atol=1e-6)
    assert got[0][0][0] == -1.0 and got[0][0][1] == 1.0


def test_mnist_wrong_magic(home):
    put(home, "mnist", "t10k-images-idx3-ubyte.gz", idx_gz(2049, np.zeros((1, 2, 2))))
    put(home, "mnist", "t10k-labels-idx1-ubyte.gz", idx_gz(2049, np.zeros(1)))
    with pytest.raises(ValueError, match="magic 2051"):
        list(mnist.test()())


# -- imikolov -------------------------------------------------------------------------------

PTB_TRAIN = "the cat sat\n the dog sat on the mat \nthe cat ran <unk>\n"
PTB_VALID = "a cat sat\nthe end\n"


def ptb(home):
    put(home, "imikolov", "imikolov%2Fsimple-examples.tgz", tar_bytes([
        ("./simple-examples/data/ptb.train.txt", PTB_TRAIN.encode()),
        ("./simple-examples/data/ptb.valid.txt", PTB_VALID.encode())]))


def test_imikolov_dict_and_ngrams(home):
    ptb(home)
    lines = (PTB_TRAIN + PTB_VALID).strip().split("\n")
    counts = {}
    for line in lines:
        for w in line.split() + ["<s>", "<e>"]:
            counts[w] = counts.get(w, 0) + 1
    del counts["<unk>"]
    kept = sorted((w for w in counts if counts[w] > 1), key=lambda w: (-counts[w], w))
    want = {w: i for i, w in enumerate(kept)}
    want["<unk>"] = len(kept)
    d = imikolov.build_dict(min_word_freq=1)
    # <e>, <s> and 'the' are seen 5 times each: ties go by the word
    assert d == want and (d["<e>"], d["<s>"], d["the"]) == (0, 1, 2)
    unk = d["<unk>"]
    ids = lambda ws: [d.get(w, unk) for w in ws]  # noqa: E731
    grams = [tuple(ids(["<s>"] + line.split() + ["<e>"])[i - 3:i])
             for line in PTB_TRAIN.strip().split("\n")
             for i in range(3, len(line.split()) + 3)]
    assert list(imikolov.train(d, 3)()) == grams
    seqs = [(ids(["<s>"] + line.split()), ids(line.split() + ["<e>"]))
            for line in PTB_VALID.strip().split("\n")]
    assert list(imikolov.test(d, 0, imikolov.DataType.SEQ)()) == seqs
    assert list(imikolov.test(d, 3, imikolov.DataType.SEQ)()) == seqs[1:]  # 'a cat sat' + <s>
    with pytest.raises(ValueError, match="data_type"):
        imikolov.train(d, 3, data_type=7)


# -- movielens ------------------------------------------------------------------------------

MOVIES = ["1::Toy Story (1995)::Animation|Children's|Comedy", "2::Jumanji (1995)::Adventure",
          "7::Sabrina (1995)::Comedy|Romance"]
USERS = ["1::F::1::10::48067", "2::M::56::16::70072", "5::M::25::20::55455"]
RATINGS = [f"{u}::{m}::{r}::97830{i}" for i, (u, m, r) in enumerate(
    [(1, 1, 5), (1, 2, 3), (2, 7, 4), (5, 1, 1), (5, 2, 2), (2, 1, 4), (1, 7, 3)] * 4)]


def test_movielens(home):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, lines in (("movies", MOVIES), ("users", USERS), ("ratings", RATINGS)):
            z.writestr(f"ml-1m/{name}.dat", ("\n".join(lines) + "\n").encode("latin-1"))
    put(home, "movielens", "movielens%2Fml-1m.zip", buf.getvalue())
    assert movielens.max_movie_id() == 7 and movielens.max_user_id() == 5
    assert movielens.max_job_id() == 20
    words = sorted({"toy", "story", "jumanji", "sabrina"})
    assert movielens.get_movie_title_dict() == {w: i for i, w in enumerate(words)}
    cats = sorted({"Animation", "Children's", "Comedy", "Adventure", "Romance"})
    assert movielens.movie_categories() == {c: i for i, c in enumerate(cats)}
    assert movielens.user_info()[2].value() == [2, 0, 6, 16]
    assert movielens.movie_info()[1].title == "Toy Story "
    users = {int(u.split("::")[0]): u.split("::") for u in USERS}
    movies = {int(m.split("::")[0]): m.split("::") for m in MOVIES}
    split = np.random.RandomState(0).random_sample(len(RATINGS)) < 0.1

    def sample(line):
        u, m, r, _ = line.split("::")
        _, g, age, job, _ = users[int(u)]
        _, title, cat = movies[int(m)]
        title = re.match(r"^(.*)\((\d+)\)$", title).group(1)
        return [int(u), 0 if g == "M" else 1, movielens.age_table.index(int(age)), int(job),
                int(m), [cats.index(c) for c in cat.split("|")],
                [words.index(w.lower()) for w in title.split()], [float(r) * 2 - 5]]
    assert list(movielens.train()()) == [sample(r) for r, t in zip(RATINGS, split) if not t]
    assert list(movielens.test()()) == [sample(r) for r, t in zip(RATINGS, split) if t]
    assert split.any() and not split.all()


# -- cifar ----------------------------------------------------------------------------------

def cifar_batch(n, rng, key="labels"):
    data = rng.integers(0, 256, (n, 3072)).astype(np.uint8)
    labels = rng.integers(0, 10, n).tolist()
    return {"batch_label": "batch", "data": data, key: labels}, data, labels


def test_cifar10_and_100(home):
    rng = np.random.default_rng(2)
    (b1, d1, l1), (b2, d2, l2), (bt, dt, lt) = (cifar_batch(n, rng) for n in (3, 2, 4))
    put(home, "cifar", "cifar-10-python.tar.gz", tar_bytes([
        ("cifar-10-batches-py/data_batch_1", pickle.dumps(b1, protocol=2)),
        ("cifar-10-batches-py/data_batch_2", pickle.dumps(b2, protocol=2)),
        ("cifar-10-batches-py/test_batch", pickle.dumps(bt, protocol=2))]))
    got = list(cifar.train10()())
    want = list(zip(np.concatenate([d1, d2]), l1 + l2))
    assert len(got) == 5
    for (img, label), (w_img, w_label) in zip(got, want):
        assert img.dtype == np.float32 and img.shape == (3072,) and type(label) is int
        np.testing.assert_allclose(img, (w_img / 255.0).astype(np.float32))
        assert label == w_label
    assert [lab for _, lab in cifar.test10()()] == lt
    cyc = cifar.test10(cycle=True)()
    assert [next(cyc)[1] for _ in range(6)] == lt + lt[:2]
    fine, dfine, lfine = cifar_batch(2, rng, key="fine_labels")
    fine[b"coarse_labels"] = [0, 1]
    put(home, "cifar", "cifar-100-python.tar.gz", tar_bytes([
        ("cifar-100-python/train", pickle.dumps(fine, protocol=2)),
        ("cifar-100-python/test", pickle.dumps(bt, protocol=2))]))
    assert [lab for _, lab in cifar.train100()()] == lfine
    assert len(list(cifar.test100()())) == 4


class Hostile:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_cifar_hostile_pickle_refused(home):
    put(home, "cifar", "cifar-10-python.tar.gz", tar_bytes([
        ("cifar-10-batches-py/data_batch_1", pickle.dumps({"data": Hostile(), "labels": [1]}))]))
    with pytest.raises(UnsafePickleError, match="system"):
        list(cifar.train10()())


# -- imdb -----------------------------------------------------------------------------------

REVIEWS = {"aclImdb/train/pos/0_9.txt": b"A great film! Great, great acting.\n",
           "aclImdb/train/pos/1_8.txt": b"Film was fine; acting great\r\n",
           "aclImdb/train/neg/2_1.txt": b"Bad film. BAD acting...",
           "aclImdb/test/pos/3_7.txt": b"great fun",
           "aclImdb/test/neg/4_2.txt": b"bad, bad fun",
           "aclImdb/train/unsup/5_0.txt": b"great great great great"}


def tokens(text):
    text = text.rstrip(b"\n\r").translate(None, string.punctuation.encode()).lower()
    return [w.decode() for w in text.split()]


def test_imdb(home):
    put(home, "imdb", "imdb%2FaclImdb_v1.tar.gz", tar_bytes(sorted(REVIEWS.items())))
    counts = {}
    for name, text in REVIEWS.items():
        if "unsup" not in name:
            for w in tokens(text):
                counts[w] = counts.get(w, 0) + 1
    kept = sorted((w for w in counts if counts[w] > 1), key=lambda w: (-counts[w], w))
    want = {w: i for i, w in enumerate(kept)}
    want["<unk>"] = len(kept)
    d = imdb.build_dict(re.compile(r"aclImdb/((train)|(test))/((pos)|(neg))/.*\.txt$"), 1)
    assert d == want
    ids = lambda n: [d.get(w, d["<unk>"]) for w in tokens(REVIEWS[n])]  # noqa: E731
    names = sorted(REVIEWS)
    train_pos = [n for n in names if "/train/pos/" in n]
    train_neg = [n for n in names if "/train/neg/" in n]
    assert list(imdb.train(d)()) == [(ids(n), 0) for n in train_pos] + \
        [(ids(n), 1) for n in train_neg]
    assert list(imdb.test(d)()) == [(ids("aclImdb/test/pos/3_7.txt"), 0),
                                    (ids("aclImdb/test/neg/4_2.txt"), 1)]
    assert imdb.word_dict() == {"<unk>": 0}  # no word is seen more than 150 times here


# -- wmt16 ----------------------------------------------------------------------------------

WMT_TRAIN = ["a man runs\tein mann läuft", "a dog runs fast\tein hund läuft schnell",
             "bad line without a tab", "the man sleeps\tder mann schläft"]
WMT_VAL = ["a cat runs\teine katze läuft"]


def test_wmt16(home):
    put(home, "wmt16", "wmt16.tar.gz", tar_bytes([
        ("wmt16/train", "\n".join(WMT_TRAIN).encode()),
        ("wmt16/val", "\n".join(WMT_VAL).encode()),
        ("wmt16/test", "\n".join(WMT_TRAIN[:1]).encode())]))
    pairs = [line.split("\t") for line in WMT_TRAIN if "\t" in line]

    def vocab(col, size):
        words = []
        counts = {}
        for p in pairs:
            for w in p[col].split():
                counts[w] = counts.get(w, 0) + 1
                if w not in words:
                    words.append(w)
        words.sort(key=lambda w: -counts[w])  # stable: first appearance breaks ties
        return {w: i for i, w in enumerate(["<s>", "<e>", "<unk>"] + words[:size - 3])}
    en, de = vocab(0, 6), vocab(1, 100)
    got = list(wmt16.train(6, 100)())
    want = []
    for e, d in pairs:
        src = [0] + [en.get(w, 2) for w in e.split()] + [1]
        trg = [de.get(w, 2) for w in d.split()]
        want.append((src, [0] + trg, trg + [1]))
    assert got == want and en == {"<s>": 0, "<e>": 1, "<unk>": 2, "a": 3, "man": 4, "runs": 5}
    assert wmt16.get_dict("en", 6) == en and wmt16.get_dict("de", 100, reverse=True) == \
        {i: w for w, i in de.items()}
    assert (home / "wmt16" / "en_6.dict").read_text().split("\n")[:6] == list(en)
    src, trg, nxt = next(wmt16.validation(100, 6, src_lang="de")())
    de_big, en_small = vocab(1, 100), vocab(0, 6)
    assert src == [0] + [de_big.get(w, 2) for w in "eine katze läuft".split()] + [1]
    assert nxt == [en_small.get(w, 2) for w in "a cat runs".split()] + [1]
    assert len(list(wmt16.test(6, 100)())) == 1
    with pytest.raises(ValueError, match="src_lang"):
        wmt16.train(6, 6, src_lang="fr")
    with pytest.raises(ValueError, match="no en dictionary of 7 words"):
        wmt16.get_dict("en", 7)


# -- conll05 --------------------------------------------------------------------------------

CONLL = [  # word, verb column, one column per predicate
    [("The", "-", "(A0*"), ("cat", "-", "*)"), ("sat", "sit", "(V*)"), ("on", "-", "(AM-LOC*"),
     ("the", "-", "*"), ("mat", "-", "*)"), (".", "-", "*")],
    [("Dogs", "-", "(A0*)", "(A0*)"), ("bark", "bark", "(V*)", "*"),
     ("and", "-", "*", "*"), ("run", "run", "*", "(V*)")],
]


def test_conll05(home):
    words = "\n".join("\n".join(r[0] for r in s) + "\n" for s in CONLL) + "\n"
    props = "\n".join("\n".join(" ".join(r[1:]) for r in s) + "\n" for s in CONLL) + "\n"
    put(home, "conll05st", "conll05st-tests.tar.gz", tar_bytes([
        ("conll05st-release/test.wsj/words/test.wsj.words.gz", gzip.compress(words.encode())),
        ("conll05st-release/test.wsj/props/test.wsj.props.gz", gzip.compress(props.encode()))]))
    vocab = ["<unk>", "the", "cat", "sat", "on", "mat", "dogs", "bark", "bos", "eos", "."]
    put(home, "conll05st", "conll05st%2FwordDict.txt", "\n".join(vocab).encode() + b"\n")
    put(home, "conll05st", "conll05st%2FverbDict.txt", b"sit\nbark\nrun\n")
    put(home, "conll05st", "conll05st%2FtargetDict.txt", b"B-A0\nI-A0\nB-V\nI-V\nB-AM-LOC\n")
    put(home, "conll05st", "conll05st%2Femb", b"\0" * 8)
    w, v, lab = conll05.get_dict()
    assert lab == {"B-A0": 0, "I-A0": 1, "B-AM-LOC": 2, "I-AM-LOC": 3, "B-V": 4, "I-V": 5,
                   "O": 6}
    assert v == {"sit": 0, "bark": 1, "run": 2} and w["mat"] == 5
    assert conll05.get_embedding() == str(home / "conll05st" / "conll05st%2Femb")
    got = list(conll05.test()())
    assert len(got) == 3  # one predicate, then two

    def expect(sent, verb, bio):
        ws = [r[0] for r in sent]
        vi = bio.index("B-V")
        ctx = [ws[vi + k] if 0 <= vi + k < len(ws) else ("bos" if k < 0 else "eos")
               for k in (-2, -1, 0, 1, 2)]
        mark = [int(abs(i - vi) <= 2) for i in range(len(ws))]
        n = len(ws)
        return ([w.get(x, 0) for x in ws], *([w.get(c, 0)] * n for c in ctx), [v[verb]] * n,
                mark, [lab[b] for b in bio])
    assert got[0] == expect(CONLL[0], "sit", ["B-A0", "I-A0", "B-V", "B-AM-LOC", "I-AM-LOC",
                                              "I-AM-LOC", "O"])
    assert got[1] == expect(CONLL[1], "bark", ["B-A0", "B-V", "O", "O"])
    assert got[2] == expect(CONLL[1], "run", ["B-A0", "O", "O", "B-V"])
    assert got[1][1] == [w["bos"]] * 4 and got[2][5] == [w["eos"]] * 4
