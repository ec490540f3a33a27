"""Layers that make tensors."""
from __future__ import annotations

import numpy as np

from ..checks import check_bool, check_dtype, check_float, check_ints, check_variable, is_int
from ..framework import Variable, default_main_program, default_startup_program, unique_name
from .helper import building, check_name

__all__ = ["fill_constant", "create_global_var"]


def fill_constant(shape, dtype, value, force_cpu=False, out=None) -> Variable:
    """A tensor of `shape` filled with `value`.

    Example:
        one = fluid.layers.fill_constant(shape=[1], dtype="float32", value=1.0)
    """
    where = "fill_constant"
    shape = check_ints(where, "shape", shape, lo=0)
    dtype = check_dtype(where, "dtype", dtype)
    value = _value(where, value, dtype)
    check_bool(where, "force_cpu", force_cpu)
    check_variable(where, "out", out, none=True)
    with building():
        block = default_main_program().current_block()
        out = out or block.create_var(unique_name.generate("fill_constant") + ".tmp_0",
                                      stop_gradient=True)
        block.append_op("fill_constant", outputs={"Out": out},
                        attrs={"shape": shape, "dtype": dtype, "value": value})
    out.stop_gradient = True
    return out


def create_global_var(shape, value, dtype, persistable=False, force_cpu=False, name=None):
    """A variable initialised to `value` by the startup program (a learning rate, say)."""
    where = "create_global_var"
    shape = check_ints(where, "shape", shape, lo=0)
    dtype = check_dtype(where, "dtype", dtype)
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


def _value(where, value, dtype: str):
    """The fill value: an int stays an int for integer dtypes (a float would round
    2**60 + 1), and must be whole and fit the dtype there."""
    if np.dtype(dtype).kind not in "iub":
        return check_float(where, "value", value, finite=False)
    if not is_int(value):
        f = check_float(where, "value", value, finite=False)
        if not f.is_integer():
            raise ValueError(f"{where}: argument 'value' must be a whole number for dtype "
                             f"{dtype}, got {value!r}")
        value = int(f)
    info = np.iinfo(dtype) if dtype != "bool" else np.iinfo(np.uint8)
    hi = 1 if dtype == "bool" else info.max
    if not info.min <= value <= hi:
        raise ValueError(f"{where}: argument 'value' {value} does not fit dtype {dtype} "
                         f"([{info.min}, {hi}])")
    return int(value)
