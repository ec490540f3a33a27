"""cumsum: running sums along `axis` (fluid 1.8's), Out of X's shape, dtype and LoD.

    Out[..., i, ...] = sum of X[..., j, ...] for j <= i     (j < i with exclusive; j >= i, or
                                                             j > i, with reverse)
    X@GRAD = cumsum(Out@GRAD) with `reverse` flipped and `exclusive` kept (fluid's grad is a
             cumsum op too)

axis -1 is the last dimension; -rank <= axis < rank. Integer sums wrap as C's do.
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

op = register_op("cumsum", inputs=["X"], outputs=["Out"],
                 attrs={"axis": -1, "exclusive": False, "reverse": False}, doc=__doc__)


@op.shape_rule
def _rule(op):
    x, axis = op.in_var("X"), op.attr("axis")
    if not -len(x.shape) <= axis < len(x.shape):
        raise ValueError(f"axis {axis} is out of range for X ('{x.name}') of shape "
                         f"{list(x.shape)}: expected {-len(x.shape)} <= axis < {len(x.shape)}")
    return like(x)


@op.grad_maker
def _grad(op):
    attrs = dict(op.attrs, reverse=not op.attr("reverse"))
    return [dict(type="cumsum", inputs={"X": [grad_name(n) for n in op.output("Out")]},
                 outputs={"Out": [grad_name(n) for n in op.input("X")]}, attrs=attrs)]


@op.kernel("float32", "float64", "int32", "int64")
def _cumsum(x, *, axis, exclusive, reverse):
    xp = get_array_module(x)
    if reverse:
        x = xp.flip(x, axis)
    if exclusive:  # the sums of x shifted by one along axis (cumsum - x would round)
        out = xp.zeros_like(x)
        head, tail = [slice(None)] * x.ndim, [slice(None)] * x.ndim
        head[axis], tail[axis] = slice(1, None), slice(None, -1)
        out[tuple(head)] = xp.cumsum(x[tuple(tail)], axis=axis, dtype=x.dtype)
    else:
        out = xp.cumsum(x, axis=axis, dtype=x.dtype)
    return xp.ascontiguousarray(xp.flip(out, axis) if reverse else out)
