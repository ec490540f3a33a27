"""less_than, less_equal, greater_than, greater_equal, equal, not_equal: Out = X cmp Y, a bool
tensor of X's shape (fluid 1.8's compare ops). Y lines up with X from dimension `axis` (-1: at
the end) and broadcasts to X, as in the elementwise ops, but never the other way: Out has X's
shape and LoD, so Y may not have more dimensions than X, nor a dimension > 1 where X has 1.

`force_cpu` is fluid's attr (keep Out in host memory), accepted and ignored: a bool result
lives where its inputs do. No gradient: the result is bool.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import aligned_shape, like, x_and_y

UFUNC = {"less_than": "less", "less_equal": "less_equal", "greater_than": "greater",
         "greater_equal": "greater_equal", "equal": "equal", "not_equal": "not_equal"}
DTYPES = ("float32", "float64", "int32", "int64")
ATTRS = {"axis": -1, "force_cpu": False}


def to_x(op):
    """Out: bool, X's shape and LoD; Y must broadcast to X at `axis`."""
    x, y = x_and_y(op)
    axis = op.attr("axis")
    try:
        ys = aligned_shape(x.shape, y.shape, axis)
    except ValueError as e:
        raise ValueError(f"Y ('{y.name}') must broadcast to X ('{x.name}'): {e}") from None
    for a, b in zip(x.shape, ys):
        if b not in (1, a, -1) and a != -1:
            raise ValueError(f"Y ('{y.name}') of shape {list(y.shape)} does not broadcast to X "
                             f"('{x.name}') of shape {list(x.shape)} with axis={axis}; Out "
                             f"has X's shape")
    return like(x, dtype=np.bool_)


def _make(type, ufunc):
    op = register_op(type, inputs=["X", "Y"], outputs=["Out"], attrs=ATTRS, doc=__doc__,
                     no_grad="a bool result: not differentiable")
    op.shape_rule(to_x)

    @op.kernel(*DTYPES)
    def forward(x, y, *, axis, force_cpu=False):
        xp = get_array_module(x)
        y = y.reshape(aligned_shape(x.shape, y.shape, axis))
        if any(b not in (1, a) for a, b in zip(x.shape, y.shape)):
            raise ValueError(f"Y of shape {list(y.shape)} does not broadcast to X of shape "
                             f"{list(x.shape)}")
        # asarray: a ufunc gives a 0-d input a scalar back
        return xp.asarray(getattr(xp, ufunc)(x, y))


for _type, _ufunc in UFUNC.items():
    _make(_type, _ufunc)
