"""Indexing layers with fluid 1.8's signatures: argsort, gather_nd, scatter (shape15.py and
shape15_values.py have issue 15's other shape and indexing layers).
"""
from __future__ import annotations

from ..checks import check_bool, check_int, check_var_dtype
from ..framework import Variable
from .helper import LayerHelper, building, check_name
from .shape15 import _append

__all__ = ["argsort", "gather_nd", "scatter"]

_INDEXED = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")


def argsort(input, axis=-1, descending=False, name=None) -> tuple:
    """`input` sorted along `axis` (ascending, or largest first with `descending`), and the
    int64 indices of the sorted entries in `input`; equal entries keep their order.

    Returns:
        (out, indices), both of input's shape; out has no gradient flowing back (fluid 1.8
        sets stop_gradient on it) unless stop_gradient is set to False.

    Example:
        out, ids = fluid.layers.argsort(x, axis=1, descending=True)
    """
    check_var_dtype("argsort", "input", input, ("float32", "float64", "int16", "int32",
                                                 "int64", "uint8"))
    rank = max(len(input.shape), 1)
    axis = check_int("argsort", "axis", axis, lo=-rank, hi=rank - 1)
    check_bool("argsort", "descending", descending)
    check_name("argsort", name)
    with building():
        helper = LayerHelper("argsort", name)
        out, ids = helper.tmp(), helper.tmp()
        helper.append_op("argsort", {"X": input}, {"Out": out, "Indices": ids},
                         {"axis": axis, "descending": bool(descending)})
    out.stop_gradient = ids.stop_gradient = True
    return out, ids


def gather_nd(input, index, name=None) -> Variable:
    """The slices of `input` that the rows of `index` (int32/int64, last dimension K at most
    input's rank) address: out[i...] = input[index[i..., 0], ..., index[i..., K-1]], of shape
    index.shape[:-1] + input.shape[K:].

    Example:
        y = fluid.layers.gather_nd(x, idx)    # x [3, 4, 5], idx [2, 2] -> y [2, 5]
    """
    check_var_dtype("gather_nd", "input", input, _INDEXED)
    check_var_dtype("gather_nd", "index", index, ("int32", "int64"))
    if not index.shape or index.shape[-1] == -1 or index.shape[-1] > len(input.shape):
        raise ValueError(f"gather_nd: argument 'index' must have a known last dimension of at "
                         f"most the rank of argument 'input' ({len(input.shape)}), got "
                         f"'{index.name}' of shape {list(index.shape)} "
                         f"(Input(Index).shape[-1] should be no greater than Input(X).rank)")
    check_name("gather_nd", name)
    return _append("gather_nd", {"X": input, "Index": index}, {}, name)


def scatter(input, index, updates, name=None, overwrite=True) -> Variable:
    """A copy of `input` whose rows `index` (1-D int32/int64) names are replaced by the rows
    of `updates` ([len(index)] + input.shape[1:]); with a repeated id the last row wins.
    With overwrite=False those rows become the sum of their updates instead.

    Example:
        y = fluid.layers.scatter(x, ids, rows)    # y = x; y[ids[i]] = rows[i]
    """
    dtypes = ("float16", "float32", "float64", "int32", "int64")
    check_var_dtype("scatter", "input", input, dtypes)
    check_var_dtype("scatter", "index", index, ("int32", "int64"))
    check_var_dtype("scatter", "updates", updates, dtypes)
    if not (len(index.shape) == 1 or len(index.shape) == 2 and index.shape[1] in (1, -1)):
        raise ValueError(f"scatter: argument 'index' must be 1-D (or [N, 1]), got "
                         f"'{index.name}' of shape {list(index.shape)}")
    if updates.dtype != input.dtype:
        raise TypeError(f"scatter: argument 'updates' must have the dtype of argument 'input' "
                        f"({input.dtype}), got '{updates.name}' of {updates.dtype}")
    want = [index.shape[0]] + list(input.shape[1:])
    if len(updates.shape) != len(want) or any(-1 not in (u, w) and u != w
                                              for u, w in zip(updates.shape, want)):
        raise ValueError(f"scatter: argument 'updates' must have shape [len(index)] + "
                         f"input.shape[1:] = {want}, got '{updates.name}' of shape "
                         f"{list(updates.shape)}")
    check_name("scatter", name)
    check_bool("scatter", "overwrite", overwrite)
    return _append("scatter", {"X": input, "Ids": index, "Updates": updates},
                   {"overwrite": bool(overwrite)}, name)
