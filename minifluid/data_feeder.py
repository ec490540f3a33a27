"""Feeding helpers: DataFeeder turns a minibatch of samples into a feed dict, and batch()
groups a sample reader into minibatches."""
from __future__ import annotations

import numbers

import numpy as np

from .framework import Variable, default_main_program
from .lod_tensor import LoDTensor

__all__ = ["DataFeeder", "batch", "to_feed_array"]


_NUMERIC = "biuf"  # the kinds a list or a number may hold: bool, int, unsigned int, float


def to_feed_array(value, dtype: np.dtype, what: str, by_value: bool = False):
    """`value` as an array of `dtype` to feed, or a ValueError/TypeError that names `what`
    (e.g. "feed 'x'"), what was expected and what was given.

    - An array must already have `dtype`, as fluid's feed required: converting it would hide
      a mistake made upstream. A numpy ndarray of `dtype` is returned as it is, as is a cupy
      array (the executor moves it). Subclasses (np.matrix, whose `*` is a matrix product)
      become plain ndarrays; what numpy reads as an array (`__array__`: a LoDTensor; the
      array interface or a buffer: a PIL image, array.array) is read as an ndarray.
    - A masked array, also inside lists, is refused: the kernels would compute on its hidden
      values.
    - A list, tuple, range, Python or numpy number (and, with `by_value`, any array:
      DataFeeder's sample fields) is converted by value, and only where that is exact: an
      integer dtype takes integral values in its range, bool takes True/False/0/1, a float
      dtype takes bools, integers and floats that do not overflow it (floats are rounded).
    - str, bytes, bytearray, None, dicts, sets and other objects are refused.
    """
    cls = value.__class__
    if cls is np.ndarray and value.dtype == dtype:
        return value
    if value is None:
        raise ValueError(f"{what} is None; feed an array of {dtype.name}")
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{what} is a masked array; the kernels would compute on its masked "
                        f"values: fill them first, e.g. a.filled(0)")
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError(f"{what}: cannot feed a {cls.__name__} {value!r:.40}; feed a numpy "
                        f"array of {dtype.name}, a list or a number")
    if isinstance(value, (list, tuple, range, numbers.Number, np.generic)):
        return _exact(value, dtype, what)
    if cls.__module__.split(".")[0] == "cupy":
        array = value
    elif isinstance(value, np.ndarray) or _array_like(value):
        try:
            array = np.asarray(value)
        except Exception as e:  # a foreign __array__ may raise anything
            raise TypeError(f"{what}: cannot read the fed {cls.__name__} as an array "
                            f"({type(e).__name__}: {e})") from None
    else:
        raise TypeError(f"{what}: cannot feed a {cls.__name__}; feed a numpy array of "
                        f"{dtype.name}, a list or a number")
    if by_value and isinstance(array, np.ndarray):
        return _exact(array, dtype, what)
    if array.dtype != dtype:
        raise ValueError(f"{what}: the variable is declared {dtype.name} but the fed array is "
                         f"{array.dtype}")
    return array


def _array_like(value) -> bool:
    """Whether numpy reads `value` as an array: __array__, the array interface, or a buffer
    (array.array, memoryview, a PIL image)."""
    if hasattr(value, "__array__") or hasattr(value, "__array_interface__") or hasattr(
            value, "__array_struct__"):
        return True
    try:
        memoryview(value)
    except TypeError:
        return False
    return True


def _has_masked(value) -> bool:
    """Whether a masked array hides in the nested lists and tuples of `value`."""
    return any(isinstance(v, np.ma.MaskedArray) or (
        isinstance(v, (list, tuple)) and _has_masked(v)) for v in value)


def _exact(value, dtype, what):
    kind = value.__class__.__name__
    if isinstance(value, (list, tuple)) and _has_masked(value):
        raise TypeError(f"{what}: the fed {kind} holds a masked array; fill it first, e.g. "
                        f"a.filled(0)")
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as e:  # a ragged nested list
        raise ValueError(f"{what}: cannot make a {dtype.name} array of the fed {kind} ({e})") \
            from None
    if a.dtype == dtype:
        return a
    if a.dtype.kind == "O" and any(isinstance(x, (list, tuple, np.ndarray)) for x in a.flat):
        # numpy < 1.24 makes an object array of a ragged list (with a warning) instead
        raise ValueError(f"{what}: cannot make a {dtype.name} array of the fed {kind} (its "
                         f"nested lists have different lengths)")
    if a.dtype.kind not in _NUMERIC or dtype.kind not in _NUMERIC:
        raise TypeError(f"{what}: the variable is declared {dtype.name} but the fed {kind} "
                        f"holds {_not_numbers(a)}")
    with np.errstate(all="ignore"):  # the casts below may overflow: that is what is checked
        out = a.astype(dtype)
        bad = np.isinf(out) & ~np.isinf(a) if dtype.kind == "f" else out != a
    if not bad.any():
        return out
    x = a[bad].flat[0].item()
    if dtype.kind == "f":
        why = f"overflows {dtype.name} (largest {np.finfo(dtype).max:g})"
    elif dtype.kind == "b":
        why = "is not a bool (True, False, 0 or 1)"
    elif a.dtype.kind == "f" and not float(x).is_integer():
        why = "is not an integer"
    else:
        info = np.iinfo(dtype)
        why = f"is out of the range of {dtype.name} ({info.min}..{info.max})"
    raise ValueError(f"{what}: the fed {kind} holds {x!r}, which {why}; the variable is "
                     f"declared {dtype.name}")


def _not_numbers(a) -> str:
    """What a non-numeric array made from a fed list holds, for an error message."""
    if a.dtype.kind != "O":
        return f"{a.dtype.name} values" + (f" such as {a.flat[0].item()!r:.40}" if a.size else "")
    for x in a.flat:
        if isinstance(x, int) and not -2**63 <= x < 2**64:
            return f"the integer {x}, beyond the range of any numpy integer"
        if not isinstance(x, (int, float, np.generic)):
            return f"a {type(x).__name__} ({x!r:.40}), not a number"
    return "values of several kinds (numpy made an object array of them)"


class DataFeeder:
    """Example:
        feeder = fluid.DataFeeder(feed_list=[image, label], place=fluid.CPUPlace())
        for minibatch in train_reader():           # a list of (image, label) samples
            exe.run(feed=feeder.feed(minibatch), fetch_list=[loss])
    """

    def __init__(self, feed_list, place, program=None):
        program = program or default_main_program()
        self.vars = []
        for v in feed_list:
            if isinstance(v, str):
                v = program.global_block().var(v)
            if not isinstance(v, Variable):
                raise TypeError(f"DataFeeder: feed_list items must be Variables or names, got "
                                f"{type(v).__name__}")
            self.vars.append(v)
        self.place = place

    def feed(self, iterable) -> dict:
        """{name: array}: sample field i of every sample, stacked, with variable i's dtype
        and reshaped to its shape (batch dimension first); for a variable with lod_level > 0,
        a LoDTensor of the fields' sequences concatenated (see _sequences). Fields are
        converted by value where that is exact (`to_feed_array` with by_value): a float64
        image becomes float32, a label 1.5 for an int64 variable is refused."""
        samples = list(iterable)
        for k, s in enumerate(samples):
            if not hasattr(s, "__len__") or isinstance(s, (str, bytes, dict)):
                raise TypeError(f"DataFeeder: sample {k} is a {type(s).__name__}; expected a "
                                f"tuple of {len(self.vars)} fields "
                                f"({', '.join(v.name for v in self.vars)})")
            if len(s) != len(self.vars):
                raise ValueError(f"DataFeeder: sample {k} has {len(s)} fields, expected "
                                 f"{len(self.vars)} ({', '.join(v.name for v in self.vars)})")
        out = {}
        for i, v in enumerate(self.vars):
            if v.lod_level:
                out[v.name] = _sequences(v, i, samples)
                continue
            tail = v.shape[1:] if v.shape and v.shape[0] == -1 else v.shape
            fields = []
            for k, s in enumerate(samples):
                a = to_feed_array(s[i], v.dtype, f"DataFeeder: field {i} ('{v.name}') of sample "
                                  f"{k}", by_value=True)
                if -1 not in tail and a.shape != tuple(tail):
                    if a.size != int(np.prod(tail)):
                        raise ValueError(f"DataFeeder: field {i} ('{v.name}') of sample {k} "
                                         f"has {a.size} values; the variable's shape "
                                         f"{list(tail)} needs {int(np.prod(tail))}")
                    a = a.reshape(tail)
                fields.append(a)
            try:
                out[v.name] = np.stack(fields) if fields else np.zeros(
                    (0,) + tuple(max(d, 0) for d in tail), v.dtype)
            except ValueError:
                raise ValueError(f"DataFeeder: the samples' '{v.name}' fields have different "
                                 f"shapes: {sorted({f.shape for f in fields})}") from None
        return out


def _sequences(v, i, samples) -> LoDTensor:
    """Field i of the samples for a variable with lod_level > 0, as fluid's DataFeeder made
    it: each field is a sequence nested lod_level deep; their items, concatenated, are the
    data (reshaped to the variable's shape where the ranks differ: word ids [N] -> [N, 1]),
    and the lengths at each depth its LoD."""
    lengths = [[] for _ in range(v.lod_level)]
    items: list = []
    for k, s in enumerate(samples):
        todo = [s[i]]
        for depth in range(v.lod_level):
            for seq in todo:
                if not hasattr(seq, "__len__") or isinstance(seq, (str, bytes, dict)):
                    raise TypeError(f"DataFeeder: field {i} ('{v.name}') of sample {k} must be "
                                    f"a sequence nested {v.lod_level} deep (the variable's "
                                    f"lod_level), got a {type(seq).__name__} at depth {depth}")
                lengths[depth].append(len(seq))
            todo = [x for seq in todo for x in seq]
        items.extend(todo)
    what = f"DataFeeder: field {i} ('{v.name}')"
    data = to_feed_array(items, v.dtype, what, by_value=True) if items else np.zeros(
        (0,) + tuple(max(d, 0) for d in v.shape[1:]), v.dtype)
    if data.ndim != len(v.shape) and list(v.shape).count(-1) <= 1:
        try:
            data = data.reshape(v.shape)
        except ValueError:
            raise ValueError(f"{what}: the sequences' items make an array of shape "
                             f"{list(data.shape)}, which does not reshape to the variable's "
                             f"shape {list(v.shape)}") from None
    return LoDTensor._wrap(data, lengths, None)


def batch(reader, batch_size: int, drop_last: bool = False):
    """A reader of lists of `batch_size` samples from a reader of samples (a function that
    returns an iterator); the last, shorter list is dropped with drop_last."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch: batch_size must be a positive int, got {batch_size!r}")
    if not callable(reader):  # reader() passed for reader: say so here, not at iteration
        raise TypeError(f"batch: reader must be a function returning an iterator of samples, "
                        f"got {type(reader).__name__}; pass the function, not its result")

    def batch_reader():
        b = []
        for sample in reader():
            b.append(sample)
            if len(b) == batch_size:
                yield b
                b = []
        if b and not drop_last:
            yield b
    return batch_reader
