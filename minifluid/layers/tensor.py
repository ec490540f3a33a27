"""Layers that make tensors."""
from __future__ import annotations

import numpy as np

from ..framework import Variable, default_main_program, unique_name

__all__ = ["fill_constant", "create_global_var"]


def fill_constant(shape, dtype, value, force_cpu=False, out=None) -> Variable:
    """A tensor of `shape` filled with `value`.

    Example:
        one = fluid.layers.fill_constant(shape=[1], dtype="float32", value=1.0)
    """
    block = default_main_program().current_block()
    out = out or block.create_var(unique_name.generate("fill_constant") + ".tmp_0",
                                  stop_gradient=True)
    block.append_op("fill_constant", outputs={"Out": out},
                    attrs={"shape": list(shape), "dtype": np.dtype(dtype).name,
                           "value": _value(value, dtype)})
    out.stop_gradient = True
    return out


def create_global_var(shape, value, dtype, persistable=False, force_cpu=False, name=None):
    """A variable initialised to `value` by the startup program (a learning rate, say)."""
    from ..framework import default_startup_program
    name = name or unique_name.generate("global_var")
    main = default_main_program().global_block()
    var = main.create_var(name, shape, dtype, persistable=persistable, stop_gradient=True)
    startup = default_startup_program().global_block()
    svar = startup.create_var(name, shape, dtype, persistable=persistable)
    startup.append_op("fill_constant", outputs={"Out": svar},
                      attrs={"shape": list(shape), "dtype": np.dtype(dtype).name,
                             "value": _value(value, dtype)})
    return var


def _value(value, dtype):
    """An int stays an int for integer dtypes (a float would round 2**60 + 1)."""
    return int(value) if np.dtype(dtype).kind in "iub" else float(value)
