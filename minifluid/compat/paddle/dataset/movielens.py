"""paddle.dataset.movielens: MovieLens 1M (ml-1m.zip: movies.dat, users.dat, ratings.dat,
'::'-separated, latin-1). A sample is, as fluid 1.8:
    [user_id, gender (0 male, 1 female), age (index into age_table), job_id,
     movie_id, [category ids], [title word ids], [rating * 2 - 5]]
A rating goes to the test set when numpy's legacy generator seeded with rand_seed draws
below test_ratio for it (fluid 1.8's split, drawn from a private RandomState here, so the
global numpy seed is left alone). The title-word and category ids are given in sorted order
(fluid 1.8 enumerated a set, whose order changes from run to run)."""
from __future__ import annotations

import functools
import os
import re
import zipfile

import numpy as np

from . import common

__all__ = ["train", "test", "get_movie_title_dict", "max_movie_id", "max_user_id",
           "age_table", "movie_categories", "max_job_id", "user_info", "movie_info"]

age_table = [1, 18, 25, 35, 45, 50, 56]
URL = "https://dataset.bj.bcebos.com/movielens%2Fml-1m.zip"
MD5 = "c4d9eecfca2ab87c1945afe126590906"
_TITLE = re.compile(r"^(.*)\((\d+)\)$")


class MovieInfo:
    """A movie's id, categories and title (without its year)."""

    def __init__(self, index, categories, title, meta=None):
        self.index, self.categories, self.title = int(index), categories, title
        self._meta = meta

    def value(self):
        titles, cats = self._meta["titles"], self._meta["categories"]
        return [self.index, [cats[c] for c in self.categories],
                [titles[w.lower()] for w in self.title.split()]]

    def __repr__(self):
        return f"<MovieInfo id({self.index}), title({self.title}), categories({self.categories})>"


class UserInfo:
    """A user's id, gender, age (as an index into age_table) and job id."""

    def __init__(self, index, gender, age, job_id):
        self.index = int(index)
        self.is_male = gender == "M"
        self.age = age_table.index(int(age))
        self.job_id = int(job_id)

    def value(self):
        return [self.index, 0 if self.is_male else 1, self.age, self.job_id]

    def __repr__(self):
        return (f"<UserInfo id({self.index}), gender({'M' if self.is_male else 'F'}), "
                f"age({age_table[self.age]}), job({self.job_id})>")


def _rows(package, name):
    with package.open(f"ml-1m/{name}") as f:
        for line in f:
            yield line.decode("latin-1").strip().split("::")


def _meta(fn):
    st = os.stat(fn)  # read again when the file changes
    return _read_meta(fn, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _read_meta(fn, mtime_ns, size):
    meta = {}
    movies, users = {}, {}
    with zipfile.ZipFile(fn) as package:
        for movie_id, title, categories in _rows(package, "movies.dat"):
            movies[int(movie_id)] = MovieInfo(movie_id, categories.split("|"),
                                              _TITLE.match(title).group(1), meta)
        for uid, gender, age, job, _ in _rows(package, "users.dat"):
            users[int(uid)] = UserInfo(uid, gender, age, job)
    words = sorted({w.lower() for m in movies.values() for w in m.title.split()})
    cats = sorted({c for m in movies.values() for c in m.categories})
    meta.update(movies=movies, users=users, titles={w: i for i, w in enumerate(words)},
                categories={c: i for i, c in enumerate(cats)})
    return meta


def _load():
    fn = common.download(URL, "movielens", MD5)
    return fn, _meta(fn)


def _reader(rand_seed=0, test_ratio=0.1, is_test=False):
    fn, meta = _load()
    rng = np.random.RandomState(rand_seed)
    with zipfile.ZipFile(fn) as package:
        for uid, mov_id, rating, _ in _rows(package, "ratings.dat"):
            if (rng.random_sample() < test_ratio) == is_test:
                usr, mov = meta["users"][int(uid)], meta["movies"][int(mov_id)]
                yield usr.value() + mov.value() + [[float(rating) * 2 - 5.0]]


def train(rand_seed=0, test_ratio=0.1):
    """A reader of the ratings not drawn for the test set."""
    return lambda: _reader(rand_seed, test_ratio, is_test=False)


def test(rand_seed=0, test_ratio=0.1):
    """A reader of the ratings drawn for the test set."""
    return lambda: _reader(rand_seed, test_ratio, is_test=True)


def get_movie_title_dict():
    return _load()[1]["titles"]


def movie_categories():
    return _load()[1]["categories"]


def user_info():
    return _load()[1]["users"]


def movie_info():
    return _load()[1]["movies"]


def max_movie_id():
    return max(m.index for m in movie_info().values())


def max_user_id():
    return max(u.index for u in user_info().values())


def max_job_id():
    return max(u.job_id for u in user_info().values())


def fetch():
    common.download(URL, "movielens", MD5)
