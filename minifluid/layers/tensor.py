"""Layers that make tensors."""
from __future__ import annotations

import numpy as np

from ..checks import (FluidAssertionError, check_bool, check_dtype, check_float, check_int,
                      check_ints, check_var_dtype, check_variable, is_int)
from ..framework import Variable, default_main_program, default_startup_program, unique_name
from .helper import append_layer_op, building, check_name

__all__ = ["fill_constant", "fill_constant_batch_size_like", "full_like", "create_global_var",
           "sum", "sums"]

_SUMMABLE = ("float16", "float32", "float64", "int32", "int64")
# fluid 1.8's fill_constant dtypes; another dtype it names (uint8, int16) is a TypeError
_FILLABLE = ("bool", "float16", "float32", "float64", "int32", "int64")


def fill_constant(shape, dtype, value, force_cpu=False, out=None) -> Variable:
    """A tensor of `shape` filled with `value`.

    `shape` is a list or tuple of ints, or, as in fluid 1.8, a 1-D int32/int64 Variable
    holding the whole shape (the op's ShapeTensor), or a list mixing ints and 1-element
    int32/int64 Variables (ShapeTensorList). Dimensions known only at run time are -1 in the
    output's build-time shape. `value` may be a 1-element Variable (ValueTensor, as in
    fluid 1.8); its value is converted to `dtype` when the op runs.

    Example:
        one = fluid.layers.fill_constant(shape=[1], dtype="float32", value=1.0)
        n = fluid.layers.fill_constant(shape=[1], dtype="int64", value=3)
        rows = fluid.layers.fill_constant(shape=[n, 2], dtype="float32", value=0.5)
    """
    where = "fill_constant"
    dtype = check_dtype(where, "dtype", dtype, _FILLABLE)
    value_t = None
    if isinstance(value, Variable):
        value_t = check_variable(where, "value", value)
        if value.dtype.kind not in "biuf" or any(d not in (1, -1) for d in value.shape):
            raise TypeError(f"{where}: argument 'value' must be a number or a 1-element "
                            f"numeric Variable, got Variable '{value.name}' of "
                            f"{value.dtype}{list(value.shape)}")
        value = 0.0 if np.dtype(dtype).kind == "f" else 0  # the attr, unused
    else:
        value = _value(where, value, dtype)
    check_bool(where, "force_cpu", force_cpu)
    check_var_dtype(where, "out", out, (dtype,), none=True)
    if isinstance(shape, (list, tuple)) and not shape:  # fluid 1.8 asserted it
        raise FluidAssertionError(f"{where}: argument 'shape' must not be empty")
    with building():  # which also takes out the int tensors of a refused mixed shape list
        inputs, shape = _shape_inputs(where, shape)
        if value_t is not None:
            inputs["ValueTensor"] = value_t
        block = default_main_program().current_block()
        out = out or block.create_var(unique_name.generate("fill_constant") + ".tmp_0",
                                      stop_gradient=True)
        block.append_op("fill_constant", inputs, outputs={"Out": out},
                        attrs={"shape": shape, "dtype": dtype, "value": value})
    out.stop_gradient = True
    return out


def fill_constant_batch_size_like(input, shape, dtype, value, input_dim_idx=0, output_dim_idx=0,
                                  force_cpu=False) -> Variable:
    """A tensor of `shape` filled with `value`, whose dimension output_dim_idx is `input`'s
    dimension input_dim_idx (its batch size, by default), as fluid 1.8's. `force_cpu` is
    accepted: minifluid makes every tensor on the executor's place.

    Example:
        ones = fluid.layers.fill_constant_batch_size_like(x, shape=[-1, 1], dtype="float32",
                                                          value=1.0)
    """
    where = "fill_constant_batch_size_like"
    check_variable(where, "input", input)
    shape = check_ints(where, "shape", shape, lo=-1, what="a non-empty list of ints >= -1")
    if not shape:
        raise ValueError(f"{where}: argument 'shape' must not be empty")
    dtype = check_dtype(where, "dtype", dtype, _FILLABLE)
    value = _value(where, value, dtype)
    o = check_int(where, "output_dim_idx", output_dim_idx, lo=0, hi=len(shape) - 1)
    i = check_int(where, "input_dim_idx", input_dim_idx, lo=0, hi=max(len(input.shape) - 1, 0))
    if any(d < 0 for k, d in enumerate(shape) if k != o):
        raise ValueError(f"{where}: argument 'shape' must hold ints >= 0 except at "
                         f"output_dim_idx {o}, got {shape}")
    # fluid 1.8 writes the value twice: a float, and as text (exact for int64)
    text = str(int(value)) if dtype in ("int32", "int64") else str(float(value))
    attrs = dict(shape=shape, dtype=dtype, value=float(value), str_value=text, input_dim_idx=i,
                 output_dim_idx=o, force_cpu=check_bool(where, "force_cpu", force_cpu))
    out = append_layer_op(where, {"Input": ("input", input)}, attrs)
    out.stop_gradient = True
    return out


def full_like(input, fill_value, out=None, dtype=None, device=None, stop_gradient=True,
              name=None) -> Variable:
    """A tensor shaped like `input`, of its dtype (or `dtype`), filled with `fill_value`
    (fluid 1.8's; the op is fill_any_like). `device` is accepted: minifluid runs every op
    on the executor's place.

    Example:
        twos = fluid.layers.full_like(x, 2.0)
    """
    where = "full_like"
    check_var_dtype(where, "input", input, _FILLABLE)
    dtype = input.dtype.name if dtype is None else check_dtype(where, "dtype", dtype, _FILLABLE)
    value = _value(where, fill_value, dtype, "fill_value")
    if np.dtype(dtype).kind == "f" and not abs(value) <= np.finfo(dtype).max.item():
        raise ValueError(f"{where}: argument 'fill_value' {value!r} does not fit dtype {dtype}")
    if check_var_dtype(where, "out", out, (dtype,), none=True) is not None and (
            out is input or out.shape != input.shape):
        raise ValueError(f"{where}: argument 'out' must be another Variable of input's shape "
                         f"{list(input.shape)}, got '{out.name}' of {list(out.shape)}")
    if device is not None and not (isinstance(device, str) and device in ("cpu", "gpu")):
        raise ValueError(f"{where}: argument 'device' must be None, 'cpu' or 'gpu', got "
                         f"{device!r}")
    check_bool(where, "stop_gradient", stop_gradient)
    check_name(where, name)
    with building():
        block = default_main_program().current_block()
        out = out or block.create_var(name or unique_name.generate("full_like") + ".tmp_0")
        block.append_op("fill_any_like", {"X": input}, {"Out": out},
                        {"value": value, "dtype": dtype})
    out.stop_gradient = stop_gradient
    return out


def create_global_var(shape, value, dtype, persistable=False, force_cpu=False, name=None):
    """A variable initialised to `value` by the startup program (a learning rate, say)."""
    where = "create_global_var"
    shape = check_ints(where, "shape", shape, lo=0)
    dtype = check_dtype(where, "dtype", dtype, _FILLABLE + ("uint8",))
    value = _value(where, value, dtype)
    persistable = check_bool(where, "persistable", persistable)
    check_bool(where, "force_cpu", force_cpu)
    name = check_name(where, name) or unique_name.generate("global_var")
    main = default_main_program().global_block()
    startup = default_startup_program().global_block()
    for block in (main, startup):
        if block.has_var(name):
            raise ValueError(f"{where}: argument 'name': the program already has a variable "
                             f"'{name}'")
    with building():
        var = main.create_var(name, shape, dtype, persistable=persistable, stop_gradient=True)
        svar = startup.create_var(name, shape, dtype, persistable=persistable)
        startup.append_op("fill_constant", outputs={"Out": svar},
                          attrs={"shape": shape, "dtype": dtype, "value": value})
    return var


def _summands(where, arg, x) -> list:
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    if not xs:
        raise ValueError(f"{where}: argument '{arg}' must not be an empty list")
    for i, v in enumerate(xs):
        check_variable(where, arg if len(xs) == 1 and not isinstance(x, (list, tuple))
                       else f"{arg}[{i}]", v)
        if v.dtype.name not in _SUMMABLE:
            raise TypeError(f"{where}: argument '{arg}' must hold Variables of "
                            f"{', '.join(_SUMMABLE)}, got '{v.name}' of {v.dtype}")
    return xs


def sum(x) -> Variable:
    """The elementwise sum of `x`, a Variable or a list of Variables of one shape and dtype
    (fluid 1.8's layers.sum, the `sum` op).

    Example:
        total = fluid.layers.sum([a, b, c])
    """
    return append_layer_op("sum", {"X": ("x", _summands("sum", "x", x))}, {})


def sums(input, out=None) -> Variable:
    """The elementwise sum of the Variables in `input`, written to `out` when given
    (fluid 1.8's layers.sums).

    Example:
        total = fluid.layers.sums([a, b])
    """
    xs = _summands("sums", "input", input)
    check_variable("sums", "out", out, none=True)
    if out is None:
        return append_layer_op("sum", {"X": ("input", xs)}, {})
    if out.is_data:  # the executor takes a fed variable as given, never as computed
        raise ValueError(f"sums: argument 'out' ('{out.name}') is a data variable (fed); "
                         f"pass another Variable or None")
    check_var_dtype("sums", "out", out, (xs[0].dtype.name,))  # a TypeError, as in fluid 1.8
    if out.shape != xs[0].shape:
        raise ValueError(f"sums: argument 'out' ('{out.name}', {out.dtype}{list(out.shape)}) "
                         f"must have the inputs' dtype and shape, "
                         f"{xs[0].dtype}{list(xs[0].shape)}")
    with building():
        default_main_program().current_block().append_op("sum", {"X": xs}, {"Out": out})
    return out


def _shape_inputs(where, shape):
    """(the op's shape inputs, its `shape` attr) for fill_constant's `shape` argument."""
    what = "a list or tuple of ints >= 0 and 1-element int Variables, or a 1-D int Variable"
    if isinstance(shape, Variable):
        check_variable(where, "shape", shape)
        if shape.dtype.name not in ("int32", "int64") or len(shape.shape) != 1:
            raise TypeError(f"{where}: argument 'shape' must be {what}, got Variable "
                            f"'{shape.name}' of {shape.dtype}{list(shape.shape)}")
        return {"ShapeTensor": shape}, []
    if not isinstance(shape, (list, tuple)) or not any(isinstance(d, Variable) for d in shape):
        return {}, check_ints(where, "shape", shape, lo=0, what=what)
    tensors, attr = [], []
    for i, d in enumerate(shape):
        if isinstance(d, Variable):
            check_variable(where, f"shape[{i}]", d)
            if d.dtype.name not in ("int32", "int64") or any(n not in (1, -1) for n in d.shape):
                raise TypeError(f"{where}: argument 'shape' element {i} must be an int >= 0 or "
                                f"a 1-element int32/int64 Variable, got Variable '{d.name}' of "
                                f"{d.dtype}{list(d.shape)}")
            tensors.append(d)
            attr.append(-1)
        else:
            n = check_ints(where, f"shape[{i}]", [d], lo=0, what="an int >= 0 or a "
                           "1-element int32/int64 Variable")[0]
            # fluid 1.8 also passed the ints as tensors: the op reads the whole list
            tensors.append(fill_constant([1], "int64", n))
            attr.append(n)
    return {"ShapeTensorList": tensors}, attr


def _value(where, value, dtype: str, arg="value"):
    """The fill value: an int stays an int for integer dtypes (a float would round
    2**60 + 1), and must be whole and fit the dtype there."""
    if np.dtype(dtype).kind not in "iub":
        return check_float(where, arg, value, finite=False)
    if not is_int(value):
        f = check_float(where, arg, value, finite=False)
        if not f.is_integer():
            raise ValueError(f"{where}: argument '{arg}' must be a whole number for dtype "
                             f"{dtype}, got {value!r}")
        value = int(f)
    info = np.iinfo(dtype) if dtype != "bool" else np.iinfo(np.uint8)
    hi = 1 if dtype == "bool" else info.max
    if not info.min <= value <= hi:
        raise ValueError(f"{where}: argument '{arg}' {value} does not fit dtype {dtype} "
                         f"([{info.min}, {hi}])")
    return int(value)
