"""fill_any_like: a tensor shaped like X filled with `value` (backward seeds loss@GRAD with it).

    Out = full(shape(X), value, dtype)       dtype: X's when the attr is -1 (fluid 1.8's)

As in fluid 1.8, a value that is nan or outside the range of Out's dtype is refused
(core.EnforceNotMet), here when the op is built.
"""
import math

import numpy as np

from minifluid.checks import EnforceNotMet
from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import dtype_of, like

op = register_op("fill_any_like", inputs=["X"], outputs=["Out"],
                 attrs={"value": 0.0, "dtype": -1}, doc=__doc__,
                 no_grad="a constant: its gradient is zero for any X")


def _out_dtype(x_dtype, dtype):
    return x_dtype if dtype == -1 else dtype_of(dtype)


@op.shape_rule
def _(op):
    x, value = op.in_var("X"), op.attr("value")
    dtype = _out_dtype(x.dtype, op.attr("dtype"))
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype) if dtype.kind in "iu" \
        else None
    lo, hi = (info.min.item(), info.max.item()) if dtype.kind == "f" else \
        (info.min, info.max) if info is not None else (0, 1)
    if math.isnan(value) or not lo <= value <= hi:
        raise EnforceNotMet(f"value {value!r} does not fit Out's dtype {dtype.name} "
                            f"([{lo}, {hi}])")
    return like(x, dtype=dtype)


@op.kernel("float16", "float32", "float64", "int32", "int64", "bool")
def fill_any_like(x, *, value, dtype):
    return get_array_module(x).full(x.shape, value, _out_dtype(x.dtype, dtype))
