"""Reading pickles that other programs wrote (Paddle's .pdparams/.pdopt, cifar's batches)
without running their code: a restricted unpickler that builds only plain containers,
numbers, strings, bytes and numpy arrays of numbers. Anything else a pickle names (a
function, a class, `os.system`) is refused before it is called, with an error naming it.

    state = safe_pickle.load(path, what="model.pdparams")   # {name: ndarray, ...}
"""
from __future__ import annotations

import io
import os
import pickle

import numpy as np

from .archive import read_regular

__all__ = ["UnsafePickleError", "load", "loads"]

MAX_BYTES = 1 << 34  # 16 GiB: a bound on what is read at all (a caller may give less)


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle that asks for something other than plain data."""


class _ArrayClass:
    """What the name numpy.ndarray gives a pickle: the argument _reconstruct wants, which
    cannot itself be called (`ndarray(shape)` would allocate any size)."""

    def __call__(self, *args, **kwargs):
        raise UnsafePickleError("refused a call of numpy.ndarray: arrays come with their data")


_NDARRAY = _ArrayClass()


def _reconstruct(cls, shape, dtype):
    """numpy's array reconstructor, for plain ndarrays only. numpy pickles an array as an
    empty one whose state (shape and data) follows; any other shape would let a few bytes
    of pickle allocate any amount of memory."""
    if cls is not _NDARRAY:
        raise UnsafePickleError(f"refused an array of class {cls!r}: only numpy.ndarray")
    if tuple(shape) != (0,):
        raise UnsafePickleError(f"refused an array made with shape {shape!r} before its data "
                                f"(numpy pickles make an empty one)")
    return np.ndarray.__new__(np.ndarray, (0,), _dtype(dtype))


def _dtype(spec, align=False, copy=True):
    dtype = np.dtype(spec, align, copy)
    if dtype.hasobject:
        raise UnsafePickleError(f"refused a numpy dtype holding Python objects ({dtype})")
    return dtype


def _scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise UnsafePickleError("refused a numpy scalar that is not a plain number")
    if isinstance(data, str):  # a Python 2 pickle's bytes, read as latin1
        data = data.encode("latin1")
    return np.frombuffer(data, dtype=dtype)[0] if data is not None else dtype.type()


def _frombuffer(buf, dtype, shape, order):
    """numpy's protocol-5 array reconstructor, for plain numbers only."""
    dtype = _dtype(dtype)
    return np.frombuffer(buf, dtype=dtype).reshape(shape, order=order)


def _encode(text, encoding="utf-8"):
    """How protocol-2 pickles spell bytes: `_codecs.encode(str, 'latin1')`."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError("refused a _codecs.encode call that is not bytes as latin1")
    return text.encode("latin1")


def _from_data(kind):
    """bytes / bytearray / set / frozenset of data already in the pickle (protocol-2
    pickles build them so); never from a number, which would allocate that many bytes."""
    def make(data=(), *rest):
        if isinstance(data, (int, float)) or len(rest) > 1:
            raise UnsafePickleError(f"refused {kind.__name__}() of a size: only of data")
        if isinstance(data, str):
            data = data.encode(rest[0] if rest else "latin1")
        return kind(data)
    return make


_ALLOWED = {
    ("collections", "OrderedDict"): __import__("collections").OrderedDict,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _dtype,
    ("_codecs", "encode"): _encode,
}
for _core in ("numpy.core", "numpy._core"):  # numpy 1's module names, and numpy 2's
    _ALLOWED[(_core + ".multiarray", "_reconstruct")] = _reconstruct
    _ALLOWED[(_core + ".multiarray", "scalar")] = _scalar
    _ALLOWED[(_core + ".numeric", "_frombuffer")] = _frombuffer
for _mod in ("builtins", "__builtin__"):
    for _kind in (bytes, bytearray, set, frozenset):
        _ALLOWED[(_mod, _kind.__name__)] = _from_data(_kind)


def _plain(obj, what, depth=0):
    """Refuse what a pickle's state could still have made of an array: an object dtype."""
    if depth > 100:
        raise UnsafePickleError(f"{what}: nested more than 100 deep")
    if isinstance(obj, np.ndarray) and (obj.dtype.hasobject or obj.dtype.kind == "V"):
        raise UnsafePickleError(f"{what}: refused an array of dtype {obj.dtype}")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _plain(k, what, depth + 1)
            _plain(v, what, depth + 1)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in obj:
            _plain(v, what, depth + 1)
    return obj


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, what):
        super().__init__(file, encoding="latin1")  # as numpy and Python 2 pickles need
        self._what = what

    def find_class(self, module, name):
        obj = _ALLOWED.get((module, name))
        if obj is None:
            raise UnsafePickleError(f"{self._what}: refused to load '{module}.{name}': this "
                                    f"pickle asks for code, and only plain data (dicts, lists, "
                                    f"numbers, strings, numpy arrays) is read")
        return obj

    def persistent_load(self, pid):
        raise UnsafePickleError(f"{self._what}: refused a persistent id ({pid!r})")


def loads(data: bytes, what: str = "pickle"):
    """The object pickled in `data`, built from plain data only."""
    try:
        return _plain(_Unpickler(io.BytesIO(data), what).load(), what)
    except UnsafePickleError:
        raise
    except Exception as e:  # a truncated or garbled file: name it, do not show internals
        raise pickle.UnpicklingError(f"{what}: not a readable pickle ({type(e).__name__}: "
                                     f"{str(e)[:200]})") from None


def load(path, what: str = "", limit: int = MAX_BYTES):
    """The object pickled in the file `path` (a regular file of at most `limit` bytes),
    built from plain data only."""
    what = what or os.fspath(path)
    return loads(read_regular(os.fspath(path), what, limit), what)
