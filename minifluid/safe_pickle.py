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


def _reconstruct(cls, shape, dtype):
    """numpy's array reconstructor, for plain ndarrays only (no subclasses)."""
    if cls is not np.ndarray:
        raise UnsafePickleError(f"refused an array of class {cls!r}: only numpy.ndarray")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


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


_BUILTINS = {name: getattr(__builtins__, name, None) if not isinstance(__builtins__, dict)
             else __builtins__[name] for name in (
                 "list", "dict", "tuple", "set", "frozenset", "bytes", "bytearray", "str",
                 "int", "float", "complex", "bool", "slice", "range")}
_ALLOWED = {
    ("collections", "OrderedDict"): __import__("collections").OrderedDict,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _dtype,
    ("_codecs", "encode"): __import__("codecs").encode,  # bytes in protocol-2 pickles
}
for _core in ("numpy.core", "numpy._core"):  # numpy 1's module names, and numpy 2's
    _ALLOWED[(_core + ".multiarray", "_reconstruct")] = _reconstruct
    _ALLOWED[(_core + ".multiarray", "scalar")] = _scalar
    _ALLOWED[(_core + ".numeric", "_frombuffer")] = _frombuffer
for _name, _obj in _BUILTINS.items():
    _ALLOWED[("builtins", _name)] = _ALLOWED[("__builtin__", _name)] = _obj


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
        return _Unpickler(io.BytesIO(data), what).load()
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
