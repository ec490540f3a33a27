"""SelectedRows: fluid's sparse rows of a tensor, as its sparse gradients and op tests use them.

A SelectedRows stands for a [height, ...] tensor of which only the rows listed in `rows`
are given: `value[i]` is row `rows[i]` (a row may be listed more than once; its values then
add up). It has the dense tensor's `shape` and `dtype`, so shape checks treat it as that
tensor. Ops that take one say so (`register_op(..., sparse=("Grad",))`) and their kernels
handle it; every other op refuses it by name.

    sr = scope.var("Grad").get_selected_rows()
    sr.set_height(10); sr.set_rows([0, 4, 7]); sr.get_tensor().set(values, place)
"""
from __future__ import annotations

import numpy as np

from .place import get_array_module

__all__ = ["SelectedRows"]


class SelectedRows:
    def __init__(self, rows=(), height: int = 0, value=None):
        self._rows, self._height, self.value = [int(r) for r in rows], int(height), value

    # fluid's API
    def set_height(self, height: int):
        self._height = int(height)

    def height(self) -> int:
        return self._height

    def set_rows(self, rows):
        self._rows = [int(r) for r in rows]

    def rows(self) -> list:
        return list(self._rows)

    def sync_index(self):
        """fluid builds its row -> index map here; minifluid builds it where it is needed."""

    def get_tensor(self) -> "_Value":
        return _Value(self)

    # for kernels
    @property
    def shape(self) -> tuple:
        tail = tuple(self.value.shape[1:]) if self.value is not None else ()
        return (self._height,) + tail

    @property
    def dtype(self):
        return self.value.dtype if self.value is not None else np.dtype(np.float32)

    def check(self, what: str):
        """Raise ValueError naming `what` unless `value` has one row per row id (or there are
        no ids: fluid then ignores the value) and every id is in [0, height)."""
        if self.value is None:
            raise ValueError(f"{what} is a SelectedRows with no value; set one with "
                             f"get_tensor().set(array, place)")
        n = len(self._rows)
        if n and (self.value.ndim < 1 or self.value.shape[0] != n):
            raise ValueError(f"{what}: a SelectedRows has one value row per row id; it has {n} "
                             f"ids and a value of shape {list(self.value.shape)}")
        bad = [r for r in self._rows if not 0 <= r < self._height]
        if bad:
            raise ValueError(f"{what}: row ids {bad[:5]} are outside [0, {self._height}) (its "
                             f"height)")
        return self

    def row_ids(self):
        """`rows` as an int64 array where `value` lives."""
        return get_array_module(self.value).asarray(self._rows, dtype=np.int64)

    def add_to(self, dense):
        """`dense` (shape [height, ...]) with each given row added in: repeats add up."""
        if self._rows:
            get_array_module(dense).add.at(dense, self.row_ids(), self.value[:len(self._rows)])
        return dense

    def to_dense(self):
        xp = get_array_module(self.value)
        return self.add_to(xp.zeros(self.shape, self.dtype))

    def merged(self) -> "SelectedRows":
        """The same tensor with each row given once, in increasing order (fluid's MergeAdd)."""
        xp = get_array_module(self.value)
        ids, where = np.unique(np.asarray(self._rows, np.int64), return_inverse=True)
        out = xp.zeros((len(ids),) + tuple(self.value.shape[1:]), self.dtype)
        if len(ids):
            xp.add.at(out, xp.asarray(where, dtype=np.int64), self.value[:len(self._rows)])
        return SelectedRows(ids.tolist(), self._height, out)

    def with_value(self, value) -> "SelectedRows":
        return SelectedRows(self._rows, self._height, value)

    def copy(self) -> "SelectedRows":
        return self.with_value(None if self.value is None else self.value.copy())

    def to(self, place) -> "SelectedRows":
        return self.with_value(None if self.value is None else place.to_device(self.value))

    def assign(self, other: "SelectedRows"):
        """Take `other`'s rows, height and value (an op's result written into a scope)."""
        self._rows, self._height, self.value = list(other._rows), other._height, other.value

    def __repr__(self):
        return (f"SelectedRows(rows={self._rows}, height={self._height}, "
                f"value={None if self.value is None else list(self.value.shape)})")


def read_by(ops) -> tuple:
    """(the variables that only sparse slots read: a SelectedRows may be fed there, the
    variables that in-place kernels read: a fed array there is copied first)."""
    from . import registry
    sparse, dense, updated = set(), set(), set()
    for op in ops:
        opdef = registry.OPS[op.type]
        for slot, names in op.inputs.items():
            (sparse if slot in opdef.sparse else dense).update(names)
            if opdef.in_place:
                updated.update(names)
    return sparse - dense, updated


def checked(value: SelectedRows, sparse_ok: bool, dtype, what: str, declared) -> SelectedRows:
    """A SelectedRows fed (or held in the scope) where only sparse slots read it, checked:
    its rows, its dtype, and its dense shape against the declared one (-1: any)."""
    if not sparse_ok:
        raise TypeError(f"{what} is a SelectedRows (sparse rows), but an op reading it takes "
                        f"dense tensors only")
    value.check(what)
    if value.dtype != dtype:
        raise TypeError(f"{what} is a SelectedRows of {value.dtype}; the variable is "
                        f"{dtype.name}")
    if declared and (len(value.shape) != len(declared) or any(
            d not in (-1, n) for d, n in zip(declared, value.shape))):
        raise ValueError(f"{what} is a SelectedRows standing for shape {list(value.shape)}; "
                         f"the variable is declared {list(declared)}")
    return value


def merge_add(inputs) -> SelectedRows:
    """The sum of SelectedRows of one height, each row given once (fluid's MergeAdd over
    several inputs; inputs with no rows add nothing)."""
    given = [s for s in inputs if s.rows()]
    if not given:
        return SelectedRows([], inputs[0].height(), inputs[0].value[:0]
                            if inputs[0].value is not None else None)
    xp = get_array_module(given[0].value)
    rows = [r for s in given for r in s.rows()]
    value = xp.concatenate([s.value[:len(s.rows())] for s in given])
    return SelectedRows(rows, given[0].height(), value).merged()


class _Value:
    """A SelectedRows' value tensor, read when used (fluid's `get_tensor()` handle)."""

    def __init__(self, rows: SelectedRows):
        self._sr = rows

    def __array__(self, dtype=None, copy=None):
        value = self._sr.value
        if value is None:
            raise TypeError("this SelectedRows has no value yet (set one with "
                            "get_tensor().set(array, place))")
        value = value if isinstance(value, np.ndarray) else value.get()  # cupy -> host
        return value if dtype is None else value.astype(dtype)

    def set(self, array, place=None):
        array = np.array(array)
        self._sr.value = place.to_device(array) if place else array

    def shape(self) -> list:
        return list(self._sr.value.shape)

    def _get_dims(self) -> list:
        return self.shape()

    def _set_dims(self, dims):
        if self._sr.value is None or list(self._sr.value.shape) != list(dims):
            self._sr.value = np.zeros(dims, self._sr.dtype)
