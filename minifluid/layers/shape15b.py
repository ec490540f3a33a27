"""Issue 15's shape layers, part 2, with fluid 1.8's signatures: expand, expand_as.
Each builds the op fluid 1.8's layer builds.
"""
from __future__ import annotations

from ..checks import check_instance, check_var_dtype, is_int
from ..framework import Variable
from .helper import building, check_name
from .shape15 import _append, _int_tensor

__all__ = ["expand", "expand_as"]

_EXPANDS = ("bool", "float32", "float64", "int32", "int64")


def expand(x, expand_times, name=None) -> Variable:
    """`x` tiled expand_times[i] times along each dimension i (rank 1 to 6). `expand_times`
    is a list of ints >= 1 and 1-element int Variables, or a 1-D int Variable; Variables are
    read when the program runs. As in fluid 1.8, a bool `x` must have stop_gradient False.

    Example:
        y = fluid.layers.expand(x, expand_times=[1, 2, 2])    # [2, 3, 1] -> [2, 6, 2]
    """
    check_var_dtype("expand", "x", x, _EXPANDS)
    what = "a list of ints >= 1 and 1-element int Variables, or a 1-D Variable"
    check_instance("expand", "expand_times", expand_times, (list, tuple, Variable), what)
    if x.dtype.name == "bool" and x.stop_gradient:
        raise ValueError(f"expand: a bool argument 'x' ('{x.name}') must have stop_gradient "
                         f"False, as fluid 1.8 requires")
    check_name("expand", name)
    rank = len(x.shape)
    if not 1 <= rank <= 6:
        raise ValueError(f"expand: argument 'x' must have rank 1 to 6, got '{x.name}' of shape "
                         f"{list(x.shape)}")
    inputs = {"X": x}
    if isinstance(expand_times, Variable):
        check_var_dtype("expand", "expand_times", expand_times, ("int32", "int64"))
        if len(expand_times.shape) != 1 or expand_times.shape[0] not in (rank, -1):
            raise ValueError(f"expand: argument 'expand_times' must be a 1-D Variable of {rank} "
                             f"values (the rank of 'x'), got '{expand_times.name}' of shape "
                             f"{list(expand_times.shape)}")
        expand_times.stop_gradient = True
        inputs["ExpandTimes"] = expand_times
        return _append("expand", inputs, {}, name)
    times = list(expand_times)
    for t in times:
        if not isinstance(t, Variable) and not is_int(t):
            raise TypeError(f"expand: argument 'expand_times' must be {what}, got {t!r} in "
                            f"{times}")
        if not isinstance(t, Variable) and t < 1:
            raise ValueError(f"expand: argument 'expand_times' must be {what}, got {times}")
    if len(times) != rank:
        raise ValueError(f"expand: argument 'expand_times' must have one value per dimension "
                         f"of argument 'x' ('{x.name}', rank {rank}), got {len(times)}")
    attrs = {"expand_times": [-1 if isinstance(t, Variable) else int(t) for t in times]}
    if not any(isinstance(t, Variable) for t in times):
        return _append("expand", inputs, attrs, name)
    from .tensor import fill_constant
    with building():
        tensors = []
        for t in times:
            if isinstance(t, Variable):
                _int_tensor("expand", "expand_times", t, one=True).stop_gradient = True
                tensors.append(t)
            else:
                tensors.append(fill_constant([1], "int32", int(t)))
        inputs["expand_times_tensor"] = tensors
        return _append("expand", inputs, attrs, name)


def expand_as(x, target_tensor, name=None) -> Variable:
    """`x` tiled to the shape of `target_tensor` (of x's rank; each of its dimensions a
    multiple of x's). Only target_tensor's shape is used.

    Example:
        y = fluid.layers.expand_as(x, target)    # x [3, 10], target [3, 20] -> [3, 20]
    """
    check_var_dtype("expand_as", "x", x, _EXPANDS)
    check_var_dtype("expand_as", "target_tensor", target_tensor, _EXPANDS)
    check_name("expand_as", name)
    if len(target_tensor.shape) != len(x.shape) or not 1 <= len(x.shape) <= 6:
        raise ValueError(f"expand_as: argument 'target_tensor' ('{target_tensor.name}', shape "
                         f"{list(target_tensor.shape)}) must have the rank of argument 'x' "
                         f"('{x.name}', shape {list(x.shape)}), 1 to 6")
    for d, n in zip(x.shape, target_tensor.shape):
        if d == 0 or (d > 0 and n >= 0 and n % d):
            raise ValueError(f"expand_as: each dimension of argument 'target_tensor' "
                             f"('{target_tensor.name}', shape {list(target_tensor.shape)}) "
                             f"must be a multiple of argument 'x''s ('{x.name}', shape "
                             f"{list(x.shape)})")
    return _append("expand_as", {"X": x, "target_tensor": target_tensor}, {}, name)
