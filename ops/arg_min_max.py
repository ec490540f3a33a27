"""arg_max, arg_min: the index of the largest (smallest) entry of X along `axis`.

    Out = argmax(X, axis)   (the first such index where several tie; keepdims keeps the
          dimension as 1; dtype: int64, or int32 when the attr names it)
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import dtype_of, like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "uint8", "int8")
ATTRS = {"axis": 0, "keepdims": False, "dtype": -1}


def _out_dtype(dtype):
    out = dtype_of(3 if dtype == -1 else dtype)
    if out.name not in ("int32", "int64"):
        raise ValueError(f"dtype must be int32 or int64 (or -1: int64), got {out.name}")
    return out


def rule(op):
    x, axis = op.in_var("X"), op.attr("axis")
    rank = len(x.shape)
    if not -rank <= axis < max(rank, 1):
        raise ValueError(f"axis {axis} is out of range for X ('{x.name}') of shape "
                         f"{list(x.shape)}")
    axis %= max(rank, 1)
    keep = op.attr("keepdims")
    shape = tuple(1 if i == axis else d for i, d in enumerate(x.shape) if keep or i != axis)
    return like(x, dtype=_out_dtype(op.attr("dtype")), shape=shape)


def _kernel(find):
    def arg(x, *, axis, keepdims, dtype):
        out = getattr(get_array_module(x), find)(x, axis=axis)
        if keepdims:
            out = out.reshape(tuple(1 if i == axis % x.ndim else d for i, d in
                                    enumerate(x.shape)))
        return out.astype(_out_dtype(dtype))
    return arg


for _type, _find in (("arg_max", "argmax"), ("arg_min", "argmin")):
    _op = register_op(_type, inputs=["X"], outputs=["Out"], attrs=ATTRS, doc=__doc__,
                      no_grad="an int index: it has no gradient")
    _op.shape_rule(rule)
    _op.kernel(*DTYPES)(_kernel(_find))
