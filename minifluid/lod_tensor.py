"""LoDTensor, create_lod_tensor, create_random_int_lodtensor: fluid 1.8's way of handing a
batch of variable-length sequences to the executor.

A LoDTensor is an array plus its level of detail (LoD): for each level, the offsets at
which its sequences start. Two sentences of 2 and 3 words are a [5, 1] array of word ids
with recursive sequence lengths [[2, 3]], i.e. LoD (offsets) [[0, 2, 5]].

minifluid's kernels are dense: the LoD is carried as metadata only, checked against the
data when it is set; the executor reads a fed tensor's array through `__array__`, and
`exe.run(return_numpy=False)` returns LoDTensors carrying the LoD fed (see fetched.py). A
tensor set by the user holds its array on the host and the executor moves it to the place
of the run, so `place` only records where fluid would have put it; a fetched one holds the
array where it was computed until `np.array(t)` asks for it.

Example:
    t = fluid.create_lod_tensor([[1, 2], [3, 4, 5]], [[2, 3]], fluid.CPUPlace())
    t.lod()          # [[0, 2, 5]]
    np.array(t)      # int64 [[1], [2], [3], [4], [5]]
"""
from __future__ import annotations

from itertools import accumulate

import numpy as np

from .place import PLACES

__all__ = ["LoDTensor", "create_lod_tensor", "create_random_int_lodtensor"]


def _levels(where: str, arg: str, levels) -> list:
    """`levels` as a list of lists of Python ints >= 0, or a TypeError/ValueError. Integer
    numpy arrays are taken for lists, as fluid's C++ binding took them (the book's word2vec
    gives numpy.asarray([[1]]))."""
    if isinstance(levels, np.ndarray) and levels.dtype.kind in "iu" and levels.ndim == 2:
        levels = levels.tolist()
    if isinstance(levels, (list, tuple)):
        levels = [lv.tolist() if isinstance(lv, np.ndarray) and lv.dtype.kind in "iu" and
                  lv.ndim == 1 else lv for lv in levels]
    ok = isinstance(levels, (list, tuple)) and all(
        isinstance(lv, (list, tuple)) and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) for n in lv)
        for lv in levels)
    if not ok:
        raise TypeError(f"{where}: argument '{arg}' must be a list of lists of ints, got "
                        f"{levels!r:.80}")
    out = [[int(n) for n in lv] for lv in levels]
    if any(n < 0 for lv in out for n in lv):
        raise ValueError(f"{where}: argument '{arg}' holds a negative number: {out}")
    return out


def _lengths_problem(lengths: list, rows) -> str:
    """Why recursive sequence lengths do not fit data of `rows` rows ('' when they do):
    each level's lengths sum to the number of entries of the next level, the last level's
    to the rows."""
    for i, level in enumerate(lengths):
        want, what = (len(lengths[i + 1]), f"the {len(lengths[i + 1])} sequences of level "
                      f"{i + 1}") if i + 1 < len(lengths) else (rows, f"the data's {rows} rows")
        if want is not None and sum(level) != want:
            return (f"level {i} lengths {level} sum to {sum(level)}, but must sum to {what}")
    return ""


def _offsets(lengths: list) -> list:
    return [list(accumulate(lv, initial=0)) for lv in lengths]


class LoDTensor:
    """A dense array with recursive sequence lengths (fluid.core.LoDTensor).

    Methods as in fluid 1.8: set(array, place), shape(), set_lod(offsets), lod(),
    set_recursive_sequence_lengths(lengths), recursive_sequence_lengths(),
    has_valid_recursive_sequence_lengths(); np.array(t) gives the data.
    The LoD is metadata only: minifluid's kernels compute on the dense array.
    """

    def __init__(self):
        self._array = None
        self._lengths: list = []
        self._place = None

    @classmethod
    def _wrap(cls, array, lengths: list, place) -> "LoDTensor":
        """A LoDTensor holding `array` itself (numpy or cupy, not copied) with checked
        recursive sequence lengths: what Executor.run(return_numpy=False) returns."""
        tensor = cls()
        tensor._array, tensor._place = array, place
        if lengths and not _lengths_problem(lengths, _rows(array)):
            tensor._lengths = lengths
        return tensor

    def set(self, array, place=None) -> None:
        """Copy `array` (anything numpy reads, or a cupy array) in; `place` is one of
        minifluid's places (CPUPlace, CUDAPlace)."""
        if place is not None and not isinstance(place, tuple(PLACES.values())):
            raise TypeError(f"LoDTensor.set: argument 'place' must be a place ("
                            f"{', '.join(c.__name__ for c in PLACES.values())}), got "
                            f"{type(place).__name__}")
        if hasattr(array, "get") and type(array).__module__.split(".")[0] == "cupy":
            array = array.get()
        array = np.array(array)  # a copy, as fluid's set copies to the place
        if array.dtype == object or array.dtype.kind not in "biuf":
            raise TypeError(f"LoDTensor.set: argument 'array' must be numeric, got dtype "
                            f"{array.dtype}")
        problem = self._lengths and _lengths_problem(self._lengths, _rows(array))
        if problem:
            raise ValueError(f"LoDTensor.set: the tensor's recursive sequence lengths do not fit "
                             f"the new array of shape {list(array.shape)}: {problem}")
        self._array, self._place = array, place

    def shape(self) -> list:
        return [] if self._array is None else list(self._array.shape)

    def _dtype(self):
        return None if self._array is None else self._array.dtype

    def set_recursive_sequence_lengths(self, recursive_sequence_lengths) -> None:
        """Set the LoD by lengths, e.g. [[2, 3]]; they must fit the data set (if any)."""
        where = "LoDTensor.set_recursive_sequence_lengths"
        lengths = _levels(where, "recursive_sequence_lengths", recursive_sequence_lengths)
        problem = _lengths_problem(lengths, _rows(self._array))
        if problem:
            raise ValueError(f"{where}: the lengths {lengths} do not fit the data of shape "
                             f"{self.shape()}: {problem}")
        self._lengths = lengths

    def recursive_sequence_lengths(self) -> list:
        return [list(lv) for lv in self._lengths]

    def set_lod(self, lod) -> None:
        """Set the LoD by offsets, e.g. [[0, 2, 5]]: each level starts at 0 and does not
        decrease."""
        lod = _levels("LoDTensor.set_lod", "lod", lod)
        for i, level in enumerate(lod):
            if not level or level[0] != 0 or any(b < a for a, b in zip(level, level[1:])):
                raise ValueError(f"LoDTensor.set_lod: level {i} offsets {level} must start at 0 "
                                 f"and not decrease")
        lengths = [[b - a for a, b in zip(lv, lv[1:])] for lv in lod]
        problem = _lengths_problem(lengths, _rows(self._array))
        if problem:
            raise ValueError(f"LoDTensor.set_lod: the offsets {lod} do not fit the data of "
                             f"shape {self.shape()}: {problem}")
        self._lengths = lengths

    def lod(self) -> list:
        return _offsets(self._lengths)

    def has_valid_recursive_sequence_lengths(self) -> bool:
        return self._array is not None and not _lengths_problem(self._lengths,
                                                                _rows(self._array))

    def __array__(self, dtype=None, copy=None):
        if self._array is None:
            raise ValueError("LoDTensor holds no data yet: call set(array, place) first")
        if self._array.__class__ is not np.ndarray:  # a cupy array, fetched on a GPU place
            self._array = np.asarray(self._array.get())
        if dtype is not None and np.dtype(dtype) != self._array.dtype:
            return self._array.astype(dtype)
        return self._array.copy() if copy else self._array

    def __repr__(self) -> str:
        return f"LoDTensor(shape={self.shape()}, lod={self.lod()})"


def _rows(array):
    """The number of rows LoD offsets count (None where there is no data to check)."""
    if array is None:
        return None
    return array.shape[0] if array.ndim else 1


def create_lod_tensor(data, recursive_seq_lens, place) -> LoDTensor:
    """A LoDTensor of `data` with the given recursive sequence lengths.

    Args:
        data: a numpy array (its first dimension counts the rows the last level's lengths
            sum to), a LoDTensor, or a list of sequences of ints (word ids), which becomes
            an int64 array of shape [sum(lengths), 1] as in fluid 1.8.
        recursive_seq_lens: a list of lists of lengths, e.g. [[2, 3]].
        place: CPUPlace or CUDAPlace.

    Returns:
        The LoDTensor. A ValueError says how lengths that do not fit the data are wrong.

    Example:
        t = fluid.create_lod_tensor(np.zeros((5, 8), "float32"), [[2, 3]], fluid.CPUPlace())
    """
    where = "create_lod_tensor"
    lengths = _levels(where, "recursive_seq_lens", recursive_seq_lens)
    if isinstance(data, LoDTensor):
        return create_lod_tensor(np.array(data), lengths, place)
    if isinstance(data, list):
        seq_lens = []
        for i, seq in enumerate(data):
            if not isinstance(seq, (list, tuple, np.ndarray)):
                raise TypeError(f"{where}: argument 'data' as a list must hold sequences (lists "
                                f"of ints), item {i} is {type(seq).__name__}")
            seq_lens.append(len(seq))
        if [seq_lens] != lengths:
            raise ValueError(f"{where}: the sequences in 'data' have lengths {seq_lens}, but "
                             f"recursive_seq_lens is {lengths} (a list 'data' needs "
                             f"[[{', '.join(map(str, seq_lens))}]])")
        flat = np.concatenate([np.asarray(s).reshape(-1) for s in data]) if data else \
            np.zeros(0, np.int64)
        if flat.size and flat.dtype.kind not in "iub":
            raise TypeError(f"{where}: a list 'data' holds word ids and becomes int64, as in "
                            f"fluid; got {flat.dtype} values: pass a numpy array instead")
        return create_lod_tensor(flat.astype(np.int64).reshape(-1, 1), lengths, place)
    if isinstance(data, np.ndarray):
        tensor = LoDTensor()
        tensor.set(data, place)
        problem = _lengths_problem(lengths, _rows(tensor._array))
        if problem:
            raise ValueError(f"{where}: recursive_seq_lens {lengths} do not fit 'data' of shape "
                             f"{list(data.shape)}: {problem}")
        tensor._lengths = lengths
        return tensor
    raise TypeError(f"{where}: argument 'data' must be a numpy array, a LoDTensor or a list of "
                    f"sequences, got {type(data).__name__}")


def create_random_int_lodtensor(recursive_seq_lens, base_shape, place, low, high) -> LoDTensor:
    """A LoDTensor of int64 values drawn uniformly from [low, high] (both included), of
    shape [sum(last level's lengths)] + base_shape.

    Example:
        t = fluid.create_random_int_lodtensor([[2, 3]], [1], fluid.CPUPlace(), 0, 9)
    """
    where = "create_random_int_lodtensor"
    lengths = _levels(where, "recursive_seq_lens", recursive_seq_lens)
    if not isinstance(base_shape, (list, tuple)) or not all(
            isinstance(d, (int, np.integer)) and d >= 0 for d in base_shape):
        raise TypeError(f"{where}: argument 'base_shape' must be a list of ints >= 0, got "
                        f"{base_shape!r:.80}")
    if not lengths:
        raise ValueError(f"{where}: argument 'recursive_seq_lens' must not be empty")
    if not all(isinstance(v, (int, np.integer)) for v in (low, high)) or low > high:
        raise ValueError(f"{where}: arguments 'low' and 'high' must be ints with low <= high, "
                         f"got {low!r} and {high!r}")
    shape = [sum(lengths[-1])] + [int(d) for d in base_shape]
    data = np.random.randint(low, int(high) + 1, shape).astype(np.int64)
    return create_lod_tensor(data, lengths, place)
