"""norm (fluid.layers.l2_normalize): X divided by its L2 norm along `axis`.

    Norm = sqrt(sum over axis of X^2 + epsilon)      (X's shape with dimension `axis` 1)
    Out  = X / Norm
    X@GRAD = (dOut - X sum(X dOut) / Norm^2) / Norm  (sums over axis)
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

ATTRS = {"axis": -1, "epsilon": 1e-10}
op = register_op("norm", inputs=["X"], outputs=["Out", "Norm?"], attrs=ATTRS, doc=__doc__)


def _axis(op, x):
    axis = op.attr("axis")
    if not -len(x.shape) <= axis < len(x.shape):
        raise ValueError(f"axis {axis} is out of range for X ('{x.name}') of shape "
                         f"{list(x.shape)}: expected an int in [{-len(x.shape)}, "
                         f"{len(x.shape) - 1}]")
    return axis % len(x.shape)


@op.shape_rule
def _(op):
    x = float_input(op)
    axis = _axis(op, x)
    return {"Out": like(x), "Norm": like(x, shape=x.shape[:axis] + (1,) + x.shape[axis + 1:])}


def _norm(x, axis, epsilon):
    # the norm from the rows over their largest |x| (no overflow of x^2 near the dtype's
    # limit), then sqrt(norm^2 + epsilon) as a hypot, which neither overflows nor underflows
    xp = get_array_module(x)
    big = xp.abs(x).max(axis=axis, keepdims=True) if x.size else xp.ones(
        x.shape[:axis] + (1,) + x.shape[axis + 1:], x.dtype)
    big = xp.where(big > 0, big, 1).astype(x.dtype)
    s = x / big
    r = big * xp.sqrt((s * s).sum(axis=axis, keepdims=True))
    return xp.hypot(r, xp.sqrt(xp.asarray(epsilon, x.dtype)))


@op.kernel("float32", "float64")
def norm(x, *, axis, epsilon):
    n = _norm(x, axis % x.ndim, epsilon)
    return x / n, n


op.default_grad(outputs=("Norm",))
grad = register_op("norm_grad", inputs=["X", "Norm", grad_name("Out")],
                   outputs=[grad_name("X")], attrs=ATTRS)


@grad.kernel("float32", "float64")
def norm_grad(x, n, dout, *, axis, epsilon):
    u = x / n  # the unit vector: no Norm^2 (which can overflow)
    return (dout - u * (u * dout).sum(axis=axis % x.ndim, keepdims=True)) / n
