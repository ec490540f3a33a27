"""Indexing and padding layers with fluid 1.8's signatures: argsort, gather_nd, scatter, pad,
pad2d, pad_constant_like, unique, unique_with_counts, sampling_id (shape15.py and
shape15_values.py have issue 15's other shape and indexing layers).
"""
from __future__ import annotations

from ..checks import (check_bool, check_dtype, check_float, check_int, check_ints, check_str,
                      check_var_dtype, check_variable)
from ..framework import Variable
from ..vartype import convert_np_dtype_to_dtype_
from .helper import LayerHelper, building, check_name
from .shape15 import _append, _int_tensor

__all__ = ["argsort", "gather_nd", "scatter", "pad", "pad2d", "pad_constant_like", "unique",
           "unique_with_counts", "sampling_id"]

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


_PADDED = ("float16", "float32", "float64", "int32", "int64")


def pad(x, paddings, pad_value=0., name=None) -> Variable:
    """`x` with `pad_value` entries added on its borders: paddings[2 * i] before dimension i
    and paddings[2 * i + 1] after it (2 ints >= 0 per dimension).

    Example:
        y = fluid.layers.pad(x, paddings=[0, 1, 2, 3])    # [2, 3] -> [3, 8]
    """
    check_var_dtype("pad", "x", x, _PADDED)
    paddings = check_ints("pad", "paddings", paddings, lo=0,
                          what="a list of ints >= 0, 2 per dimension of x")
    if len(paddings) != 2 * len(x.shape):
        raise ValueError(f"pad: argument 'paddings' must hold 2 ints per dimension of argument "
                         f"'x' ('{x.name}', rank {len(x.shape)}), got {paddings}")
    pad_value = check_float("pad", "pad_value", pad_value, finite=False)
    check_name("pad", name)
    return _append("pad", {"X": x}, {"paddings": paddings, "pad_value": pad_value}, name)


def pad2d(input, paddings=[0, 0, 0, 0], mode="constant", pad_value=0.0,  # noqa: B006
          data_format="NCHW", name=None) -> Variable:
    """The height and width of a 4-D image batch `input` grown by paddings = [top, bottom,
    left, right] (4 ints >= 0, or a 1-D int32 Variable of 4 read when the program runs).
    mode 'constant' fills in `pad_value`, 'reflect' mirrors about the edge (each padding
    smaller than its dimension), 'edge' repeats the edge. `data_format` is 'NCHW' or 'NHWC'.

    Example:
        y = fluid.layers.pad2d(img, paddings=[1, 1, 2, 2], mode="reflect")
    """
    check_var_dtype("pad2d", "input", input, _PADDED)
    if len(input.shape) != 4:
        raise ValueError(f"pad2d: argument 'input' must be 4-D (an image batch), got "
                         f"'{input.name}' of shape {list(input.shape)}")
    mode = check_str("pad2d", "mode", mode, ("constant", "reflect", "edge"))
    pad_value = check_float("pad2d", "pad_value", pad_value, finite=False)
    data_format = check_str("pad2d", "data_format", data_format, ("NCHW", "NHWC"))
    check_name("pad2d", name)
    inputs, attrs = {"X": input}, {"mode": mode, "pad_value": pad_value,
                                   "data_format": data_format}
    if isinstance(paddings, Variable):
        _int_tensor("pad2d", "paddings", paddings)
        if paddings.shape[0] not in (4, -1):
            raise ValueError(f"pad2d: argument 'paddings' must hold 4 ints, got "
                             f"'{paddings.name}' of shape {list(paddings.shape)}")
        inputs["Paddings"], attrs["paddings"] = paddings, []
    else:
        what = "4 ints >= 0 [top, bottom, left, right], or a 1-D int Variable"
        attrs["paddings"] = check_ints("pad2d", "paddings", paddings, lo=0, what=what)
        if len(attrs["paddings"]) != 4:
            raise ValueError(f"pad2d: argument 'paddings' must be {what}, got {paddings!r}")
        dims = (2, 3) if data_format == "NCHW" else (1, 2)
        for k, d in enumerate(input.shape[a] for a in dims):
            most = max(attrs["paddings"][2 * k:2 * k + 2])
            if mode == "reflect" and d != -1 and most >= d:
                raise ValueError(f"pad2d: argument 'paddings' ({paddings}) must be smaller "
                                 f"than the dimension it pads with mode='reflect' ("
                                 f"'{input.name}' of shape {list(input.shape)}, "
                                 f"{data_format})")
    return _append("pad2d", inputs, attrs, name)


def pad_constant_like(x, y, pad_value=0., name=None) -> Variable:
    """`y` grown after each dimension with `pad_value` entries up to the shape of `x` (of
    y's rank, no dimension smaller). Only y gets a gradient.

    Example:
        y2 = fluid.layers.pad_constant_like(x, y)    # x [4, 6], y [2, 5] -> [4, 6]
    """
    check_variable("pad_constant_like", "x", x)
    check_var_dtype("pad_constant_like", "y", y, ("float32", "float64", "int32", "int64"))
    if len(x.shape) != len(y.shape) or any(-1 not in (a, b) and a < b
                                           for a, b in zip(x.shape, y.shape)):
        raise ValueError(f"pad_constant_like: argument 'x' must have the rank of argument 'y' "
                         f"and no smaller dimension, got '{x.name}' of shape {list(x.shape)} "
                         f"and '{y.name}' of shape {list(y.shape)}")
    pad_value = check_float("pad_constant_like", "pad_value", pad_value, finite=False)
    check_name("pad_constant_like", name)
    return _append("pad_constant_like", {"X": x, "Y": y}, {"pad_value": pad_value}, name)


def _unique(layer, x, dtype, slots):
    check_var_dtype(layer, "x", x, ("float32", "float64", "int32", "int64"))
    dtype = check_dtype(layer, "dtype", dtype, ("int32", "int64"))
    if len(x.shape) != 1:
        raise ValueError(f"{layer}: argument 'x' must be 1-D, got '{x.name}' of shape "
                         f"{list(x.shape)}")
    with building():
        helper = LayerHelper(layer)
        outs = {s: helper.tmp() for s in slots}
        helper.append_op(layer, {"X": x}, outs,
                         {"dtype": int(convert_np_dtype_to_dtype_(dtype))})
    return tuple(outs.values())


def unique(x, dtype="int32") -> tuple:
    """The distinct values of the 1-D `x`, in the order they first appear, and for each entry
    of x the position of its value among them (of `dtype`, int32 or int64).

    Returns:
        (out, index): out[index[i]] == x[i]

    Example:
        out, index = fluid.layers.unique(x)    # x [2, 3, 3, 1] -> [2, 3, 1], [0, 1, 1, 2]
    """
    return _unique("unique", x, dtype, ("Out", "Index"))


def unique_with_counts(x, dtype="int32") -> tuple:
    """unique, and how many times each distinct value occurs in `x` (of `dtype`).

    Returns:
        (out, index, count)

    Example:
        out, index, count = fluid.layers.unique_with_counts(x)    # count [1, 2, 1]
    """
    return _unique("unique_with_counts", x, dtype, ("Out", "Index", "Count"))


def sampling_id(x, min=0.0, max=1.0, seed=0, dtype="float32") -> Variable:  # noqa: A002
    """One id per row of `x` ([N, K] float32/float64 weights, each row summing to about 1)
    drawn from the row's distribution: with r ~ U[min, max), the first j at which
    r - x[i, 0] - ... - x[i, j] < 0 (K - 1 if none). seed 0 draws fresh entropy on each
    run; another seed gives the same ids on every run (fluid 1.8's values on the CPU).

    Returns:
        [N] int64 ids, whatever `dtype` says: fluid 1.8's kernel writes int64 (`dtype` is
        checked, and otherwise unused, as there).

    Example:
        probs = fluid.layers.softmax(logits)
        ids = fluid.layers.sampling_id(probs, seed=1)
    """
    check_var_dtype("sampling_id", "x", x, ("float32", "float64"))
    if len(x.shape) != 2:
        raise ValueError(f"sampling_id: argument 'x' must be 2-D [N, K], got '{x.name}' of "
                         f"shape {list(x.shape)}")
    lo = check_float("sampling_id", "min", min)
    hi = check_float("sampling_id", "max", max)
    if not lo < hi:
        raise ValueError(f"sampling_id: argument 'min' ({lo}) must be less than argument "
                         f"'max' ({hi})")
    seed = check_int("sampling_id", "seed", seed, lo=0, hi=2 ** 31 - 1)
    check_dtype("sampling_id", "dtype", dtype)
    return _append("sampling_id", {"X": x}, {"min": lo, "max": hi, "seed": seed}, None)
