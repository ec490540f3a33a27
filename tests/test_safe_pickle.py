"""minifluid.safe_pickle: pickles other programs wrote are read as plain data only; one that
asks for code is refused before anything runs."""
import collections
import os
import pickle

import numpy as np
import pytest

from minifluid import safe_pickle
from minifluid.safe_pickle import UnsafePickleError


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_dicts_of_arrays_numbers_and_strings_load_as_written(tmp_path, protocol):
    rng = np.random.default_rng(0)
    state = collections.OrderedDict(
        w=rng.normal(size=(3, 4)).astype("float32"), b=np.arange(4, dtype="int64"),
        flags=np.array([True, False]), step=np.float32(3.5), name="fc_0", ids=[1, 2, (3, 4)],
        raw=b"\x00\xff", empty=np.zeros((0, 2), "float16"), fortran=np.asfortranarray(
            rng.normal(size=(2, 3))))
    path = tmp_path / "model.pdparams"
    path.write_bytes(pickle.dumps(state, protocol=protocol))
    got = safe_pickle.load(path)
    assert list(got) == list(state) and isinstance(got, collections.OrderedDict)
    for k, v in state.items():
        if isinstance(v, np.ndarray):
            assert got[k].dtype == v.dtype and got[k].shape == v.shape
            np.testing.assert_array_equal(got[k], v)
        else:
            assert got[k] == v and type(got[k]) is type(v)


class _Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


@pytest.mark.parametrize("make", [
    lambda p: {"w": np.ones(2), "x": _Exploit(p)},
    lambda p: np.ma.array([1, 2], mask=[0, 1]),        # an ndarray subclass
    lambda p: np.array([object()], dtype=object),      # Python objects inside an array
    lambda p: collections.Counter("ab"),
])
def test_a_pickle_that_asks_for_code_is_refused_before_it_runs(tmp_path, make):
    marker = tmp_path / "ran"
    data = pickle.dumps(make(marker), protocol=2)
    with pytest.raises(UnsafePickleError, match="refused"):
        safe_pickle.loads(data, "hostile.pdparams")
    assert not marker.exists()


def test_broken_files_and_non_files_are_named(tmp_path):
    path = tmp_path / "cut.pdparams"
    path.write_bytes(pickle.dumps({"w": np.ones(100)})[:40])
    with pytest.raises(pickle.UnpicklingError, match="cut.pdparams: not a readable pickle"):
        safe_pickle.load(path)
    with pytest.raises(ValueError, match="is a directory, not a regular file"):
        safe_pickle.load(tmp_path, "params")
    path.write_bytes(pickle.dumps(list(range(1000))))
    with pytest.raises(ValueError, match="more than the 100"):
        safe_pickle.load(path, limit=100)


@pytest.mark.parametrize("payload", [
    b"\x80\x02}q\x00X\x01\x00\x00\x00wq\x01c__builtin__\nbytearray\nq\x02J\x00\x00\x00\x40"
    b"\x85q\x03Rq\x04s.",                                        # {"w": bytearray(1 << 30)}
    pickle.dumps(type("R", (), {"__reduce__": lambda self: (list, (range(10 ** 8),))})(), 4),
    b"\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01J\x00\x00\x00"
    b"\x40\x85q\x02C\x01bq\x03\x87q\x04Rq\x05.",                 # an array of 1 << 30 made
])
def test_a_few_bytes_of_pickle_cannot_allocate_much(payload):
    with pytest.raises(UnsafePickleError, match="refused"):
        safe_pickle.loads(payload, "bomb.pdparams")
