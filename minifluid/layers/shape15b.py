"""Issue 15's shape layers, part 2, with fluid 1.8's signatures: expand, expand_as, range,
linspace, eye, diag, strided_slice, create_parameter; and Variable.__getitem__
(math_op_patch installs _getitem). Each builds the op fluid 1.8's layer builds.
"""
from __future__ import annotations

import math

import numpy as np

from ..checks import (check_dtype, check_instance, check_int, check_ints, check_var_dtype,
                      is_int, is_real)
from ..framework import Variable
from .helper import building, check_name
from .shape15 import _append, _int_tensor, _strided

__all__ = ["expand", "expand_as", "range", "linspace", "eye", "diag", "strided_slice",
           "create_parameter"]

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


def _bound(where, arg, v, dtype, what):
    """A bound of range or linspace: a 1-element Variable (cast to `dtype` when it differs,
    as fluid 1.8's range does; `dtype` None: kept), or a number made a [1] constant."""
    from .nn import cast
    from .tensor import fill_constant
    if isinstance(v, Variable):
        check_var_dtype(where, arg, v, ("float32", "float64", "int32", "int64"))
        if any(d not in (1, -1) for d in v.shape):
            raise ValueError(f"{where}: argument '{arg}' must be a 1-element Variable, got "
                             f"'{v.name}' of shape {list(v.shape)}")
        return v if dtype is None or v.dtype.name == dtype else cast(v, dtype)
    if not is_real(v) or not math.isfinite(v):
        raise TypeError(f"{where}: argument '{arg}' must be {what}, got {v!r}")
    info = np.iinfo(dtype) if np.dtype(dtype).kind == "i" else np.finfo(dtype)
    if info.dtype.kind == "i" and v != int(v):
        raise ValueError(f"{where}: argument '{arg}' must be a whole number for dtype {dtype}, "
                         f"got {v!r}")
    if not info.min <= v <= info.max:
        raise ValueError(f"{where}: argument '{arg}' ({v!r}) does not fit dtype {dtype}")
    return fill_constant([1], dtype, v)


def range(start, end, step, dtype) -> Variable:  # noqa: A001 -- fluid's name
    """The 1-D tensor [start, start + step, ...] up to end (excluded), of `dtype` (float32,
    float64, int32 or int64), as numpy's arange. Each bound is a number or a 1-element
    Variable (cast to `dtype`, read when the program runs); step must not be 0 and must point
    from start to end. The length is known when the program runs (shape [-1]).

    Example:
        r = fluid.layers.range(0, 10, 2, "int32")    # [0, 2, 4, 6, 8]
    """
    dtype = check_dtype("range", "dtype", dtype, ("float32", "float64", "int32", "int64"))
    what = "a number or a 1-element Variable"
    consts = [v for v in (start, end, step) if not isinstance(v, Variable)]
    with building():
        ins = {slot: _bound("range", arg, v, dtype, what) for slot, arg, v in (
            ("Start", "start", start), ("End", "end", end), ("Step", "step", step))}
        if len(consts) == 3:  # all known: fluid 1.8's run-time checks, now
            if step == 0:
                raise ValueError("range: argument 'step' must not be 0")
            if (start < end and step < 0) or (start > end and step > 0):
                raise ValueError(f"range: argument 'step' ({step}) must be > 0 when start "
                                 f"({start}) < end ({end}) and < 0 when start > end")
        out = _append("range", ins, {}, None)
    out.stop_gradient = True
    return out


def linspace(start, stop, num, dtype) -> Variable:
    """`num` evenly spaced values from start to stop (both included; num = 1 gives [start]),
    of `dtype` (float32 or float64). start and stop are numbers or 1-element float32/float64
    Variables (the result then has start's dtype, as in fluid 1.8, and so has a number
    stop); num is an int >= 1 or a
    1-element int32 Variable. Variables are read when the program runs.

    Example:
        v = fluid.layers.linspace(0, 10, 5, "float32")    # [0, 2.5, 5, 7.5, 10]
    """
    from .tensor import fill_constant
    dtype = check_dtype("linspace", "dtype", dtype, ("float32", "float64"))
    what = "a number or a 1-element float32/float64 Variable"
    for arg, v in (("start", start), ("stop", stop)):
        if isinstance(v, Variable):
            check_var_dtype("linspace", arg, v, ("float32", "float64"))
    if isinstance(num, Variable):
        _int_tensor("linspace", "num", num, one=True)
        check_var_dtype("linspace", "num", num, ("int32",))
    else:
        num = check_int("linspace", "num", num, lo=1, hi=2 ** 31 - 1)
    with building():
        first = _bound("linspace", "start", start, None if isinstance(start, Variable)
                       else dtype, what)
        # a number stop takes a Variable start's dtype (fluid 1.8's `dtype` would not match)
        last = _bound("linspace", "stop", stop, None if isinstance(stop, Variable)
                      else first.dtype.name, what)
        if last.dtype != first.dtype:
            raise TypeError(f"linspace: argument 'stop' ('{last.name}', {last.dtype}) must "
                            f"have the dtype of argument 'start' ({first.dtype})")
        if not isinstance(num, Variable):
            num = fill_constant([1], "int32", num)
        return _append("linspace", {"Start": first, "Stop": last, "Num": num}, {}, None)


def eye(num_rows, num_columns=None, batch_shape=None, dtype="float32") -> Variable:
    """The identity matrix [num_rows, num_columns] (num_columns None: num_rows) of `dtype`
    (float16, float32, float64, int32 or int64), repeated over leading dimensions
    `batch_shape` (a list of ints >= 1) when given. As in fluid 1.8, a num_rows or
    num_columns that is not an int >= 0 is a TypeError.

    Example:
        i = fluid.layers.eye(2, 3, batch_shape=[4])    # [4, 2, 3]
    """
    for arg, v in (("num_rows", num_rows), ("num_columns", num_columns)):
        if (v is not None or arg == "num_rows") and (not is_int(v) or v < 0):
            raise TypeError(f"eye: argument '{arg}' must be an int >= 0"
                            f"{' or None' if arg == 'num_columns' else ''}, got {v!r}")
    if num_rows > 2 ** 31 - 1 or (num_columns or 0) > 2 ** 31 - 1:
        raise ValueError(f"eye: arguments 'num_rows' and 'num_columns' must be < 2**31, got "
                         f"{num_rows} and {num_columns}")
    dtype = check_dtype("eye", "dtype", dtype, ("float16", "float32", "float64", "int32",
                                                "int64"))
    if batch_shape is not None and (not isinstance(batch_shape, (list, tuple)) or not all(
            is_int(d) and d >= 1 for d in batch_shape)):
        raise TypeError(f"eye: argument 'batch_shape' must be a list of ints >= 1 or None, got "
                        f"{batch_shape!r}")
    from .shape15 import stack
    rows = int(num_rows)
    columns = rows if num_columns is None else int(num_columns)
    with building():
        out = _append("eye", {}, {"num_rows": rows, "num_columns": columns, "dtype": dtype},
                      None)
        out.stop_gradient = True
        for n in reversed(list(batch_shape or [])):  # fluid 1.8 stacks copies
            out = stack([out] * int(n), axis=0)
    out.stop_gradient = True
    return out


_DIAGS = ("float32", "float64", "int32", "int64")


def diag(diagonal) -> Variable:
    """The square matrix with `diagonal` (a 1-D Variable of float32, float64, int32 or
    int64, or a numpy array of float32, int32 or int64, stored in the program as assign
    stores it) on its diagonal, zeros elsewhere.

    Example:
        d = fluid.layers.diag(np.arange(3, 6, dtype="int32"))    # [[3,0,0],[0,4,0],[0,0,5]]
    """
    from .shape15_values import assign
    if isinstance(diagonal, np.ndarray):
        if diagonal.dtype.name not in ("float32", "int32", "int64"):
            raise TypeError(f"diag: argument 'diagonal' as a numpy array must be of float32, "
                            f"int32 or int64 (what assign stores), got {diagonal.dtype}")
    elif not isinstance(diagonal, Variable):
        raise TypeError(f"diag: argument 'diagonal' must be a Variable or a numpy array, got "
                        f"{type(diagonal).__name__}")
    else:
        check_var_dtype("diag", "diagonal", diagonal, _DIAGS)
    if len(diagonal.shape) != 1:
        raise ValueError(f"diag: argument 'diagonal' must be 1-D, got shape "
                         f"{list(diagonal.shape)}")
    with building():
        if isinstance(diagonal, np.ndarray):
            diagonal = assign(diagonal)
        out = _append("diag", {"Diagonal": diagonal}, {}, None)
    out.stop_gradient = True
    return out


def strided_slice(input, axes, starts, ends, strides) -> Variable:
    """input[starts[i]:ends[i]:strides[i]] along each dimension axes[i] (Python's slice rules:
    negative bounds count from the end, bounds are clipped, strides may be negative but not 0;
    with a negative stride an end of -1 means through index 0, as in fluid 1.8). `starts`,
    `ends` and `strides` are lists of ints and 1-element int Variables, or 1-D int Variables;
    Variables are read when the program runs.

    Example:
        y = fluid.layers.strided_slice(x, axes=[1], starts=[-1], ends=[-1], strides=[-1])
        # x[:, ::-1]
    """
    check_var_dtype("strided_slice", "input", input, ("float32", "float64", "int32", "int64"))
    axes = check_ints("strided_slice", "axes", axes, lo=0)
    if len(set(axes)) != len(axes) or any(a >= len(input.shape) for a in axes):
        raise ValueError(f"strided_slice: argument 'axes' must be distinct dimensions of "
                         f"argument 'input' ('{input.name}', rank {len(input.shape)}), got "
                         f"{axes}")
    return _strided("strided_slice", input, axes, {"starts": starts, "ends": ends,
                                                   "strides": strides}, [])


_BIG = 2 ** 31 - 1  # an end past every dimension (the ops' bounds are int32)


def _getitem(var, item):
    """Variable.__getitem__, as fluid 1.8 builds it: `item` is an int, a slice or a
    1-element int Variable, or a tuple of them, one per leading dimension. An int or a
    Variable index drops its dimension (decrease_axis); slice bounds and steps may be ints,
    None or 1-element int Variables (read when the program runs), with Python's rules. Builds
    a slice op where every step is 1, else strided_slice (also for a Variable index: fluid
    1.8's strided_slice reads its -1 as the last index); x[:] is x itself."""
    with building():  # a refused index leaves no ops behind (x[i] appends some first)
        return _getitem_ops("Variable.__getitem__", var, item)


def _getitem_ops(where, var, item):
    items = list(item) if isinstance(item, tuple) else [item]
    if len(items) > len(var.shape):
        raise IndexError(f"{where}: too many indices ({len(items)}) for '{var.name}' of shape "
                         f"{list(var.shape)}")
    axes, starts, ends, steps, decrease = [], [], [], [], []
    for dim, it in enumerate(items):
        d = var.shape[dim]
        if isinstance(it, Variable):
            _int_tensor(where, "item", it, one=True)
            axes.append(dim), decrease.append(dim)
            starts.append(it), ends.append(_plus_one(it)), steps.append(1)
        elif is_int(it):
            i = int(it)
            if d >= 0 and not -d <= i < d:
                raise IndexError(f"{where}: index {i} is out of range for dimension {dim} "
                                 f"(size {d}) of '{var.name}'")
            axes.append(dim), decrease.append(dim)
            starts.append(i), ends.append(i + 1 if i != -1 else _BIG), steps.append(1)
        elif isinstance(it, slice):
            part = _slice_part(where, var, dim, it)
            if part is not None:
                axes.append(dim)
                for to, v in zip((starts, ends, steps), part):
                    to.append(v)
        else:
            raise TypeError(f"{where}: an index must be an int, a slice or a 1-element int "
                            f"Variable (or a tuple of them), got {it!r:.40} "
                            f"({type(it).__name__})")
    if not axes:
        return var
    strided = any(isinstance(v, Variable) or v != 1 for v in steps) or any(
        isinstance(it, Variable) for it in items)
    parts = {"starts": starts, "ends": ends}
    if strided:
        parts["strides"] = steps
    return _strided(where, var, axes, parts, decrease,
                    op_type="strided_slice" if strided else "slice")


def _plus_one(i):
    end = i + 1  # a scale op, in i's int dtype
    end.stop_gradient = True
    return end


def _slice_part(where, var, dim, it):
    """(start, end, step) of one slice index, or None for a whole dimension (x[:])."""
    start, stop, step = it.start, it.stop, it.step
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        if v is not None and not is_int(v) and not isinstance(v, Variable):
            raise TypeError(f"{where}: a slice's {name} must be an int, None or a 1-element "
                            f"int Variable, got {v!r:.40}")
        if isinstance(v, Variable):
            _int_tensor(where, f"slice {name}", v, one=True)
    if start is None and stop is None and step is None:
        return None
    step = 1 if step is None else step
    if is_int(step) and step == 0:
        raise ValueError(f"{where}: a slice's step must not be 0")
    backward = is_int(step) and step < 0
    if start is None:
        start = -1 if backward else 0
    if stop is None:
        stop = -1 if backward else _BIG  # -1: through index 0, with a negative stride
    elif backward and is_int(stop) and stop == -1:  # Python's -1 here: the last index
        d = var.shape[dim]
        if d < 0:
            raise ValueError(f"{where}: a slice stop of -1 with a negative step needs "
                             f"dimension {dim} of '{var.name}' known at build time; write "
                             f"its size - 1")
        stop = d - 1
    if isinstance(step, Variable) and stop is None:
        raise ValueError(f"{where}: a slice with a Variable step needs an explicit stop")
    return start, stop, step


_PARAM_DTYPES = ("bool", "float16", "float32", "float64", "int8", "int32", "int64", "uint8")


def create_parameter(shape, dtype, name=None, attr=None, is_bias=False,
                     default_initializer=None) -> Variable:
    """A new parameter of `shape` (a list, tuple or 1-D numpy array of ints >= 1) and `dtype`,
    initialised in the startup program by attr.initializer, else `default_initializer`,
    else Constant(0.0) when is_bias, else Xavier(). `name` names it when attr (a ParamAttr)
    is None; attr.name otherwise.

    Example:
        w = fluid.layers.create_parameter(shape=[784, 200], dtype="float32")
    """

    from ..initializer import Initializer
    from ..param_attr import ParamAttr
    from .helper import LayerHelper
    where = "create_parameter"
    what = "a list, tuple or 1-D numpy array of ints >= 1"
    check_instance(where, "shape", shape, (list, tuple, np.ndarray), what)
    if isinstance(shape, np.ndarray) and shape.ndim != 1:
        raise ValueError(f"{where}: argument 'shape' must be {what}, got an array of shape "
                         f"{list(shape.shape)}")
    shape = check_ints(where, "shape", list(shape), lo=1, what=what)
    dtype = check_dtype(where, "dtype", dtype, _PARAM_DTYPES)
    check_name(where, name)
    check_instance(where, "attr", attr, ParamAttr, "a ParamAttr", none=True)
    if not isinstance(is_bias, (bool, np.bool_)):
        raise TypeError(f"{where}: argument 'is_bias' must be a bool, got {is_bias!r}")
    check_instance(where, "default_initializer", default_initializer, Initializer,
                   "an Initializer", none=True)
    if not shape:
        raise ValueError(f"{where}: argument 'shape' must be {what}, got []")
    attr = ParamAttr(name=name) if attr is None else attr
    if attr.initializer is None and default_initializer is None and not is_bias and \
            np.dtype(dtype).kind != "f":
        raise TypeError(f"{where}: argument 'dtype' ({dtype}) needs an initializer (attr's "
                        f"or default_initializer): the default, Xavier, draws floats")
    with building():
        return LayerHelper(where).create_parameter(attr, shape, dtype, is_bias=bool(is_bias),
                                                   default_initializer=default_initializer)
