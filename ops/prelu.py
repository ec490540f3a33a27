"""prelu: a leaky ReLU whose negative slope Alpha is learned.

    Out = X where X > 0, else Alpha X        Alpha: one value (mode 'all'), one per channel
                                             (axis 1, 'channel') or one per element of a
                                             sample ('element'), broadcast over the rest
    X@GRAD = dOut where X > 0, else Alpha dOut
    Alpha@GRAD = the sum of dOut min(X, 0) over what Alpha was broadcast along
"""
import math

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

MODES = ("all", "channel", "element")
op = register_op("prelu", inputs=["X", "Alpha"], attrs={"mode": "all"}, doc=__doc__)


def _need(mode, x_shape):
    """How many values Alpha holds in `mode` for X of shape `x_shape` (-1: not yet known)."""
    if mode == "all":
        return 1
    part = x_shape[1:2] if mode == "channel" else x_shape[1:]
    return -1 if -1 in part else math.prod(part)


@op.shape_rule
def _(op):
    x, alpha = float_input(op), op.in_var("Alpha")
    mode = op.attr("mode")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    # float16 X has a float32 Alpha (fluid keeps parameters of float16 layers in float32)
    if alpha.dtype != x.dtype and (x.dtype.name, alpha.dtype.name) != ("float16", "float32"):
        raise TypeError(f"Alpha ('{alpha.name}', {alpha.dtype}) must have X's dtype {x.dtype} "
                        f"(or float32 for float16 X)")
    if mode != "all" and len(x.shape) < 2:
        raise ValueError(f"mode {mode!r} needs X ('{x.name}') of rank 2 or more, got shape "
                         f"{list(x.shape)}")
    need, have = _need(mode, x.shape), (-1 if -1 in alpha.shape else math.prod(alpha.shape))
    if -1 not in (need, have) and need != have:
        raise ValueError(f"Alpha ('{alpha.name}') of shape {list(alpha.shape)} must hold {need} "
                         f"values for mode {mode!r} and X ('{x.name}') of shape "
                         f"{list(x.shape)}")
    return like(x)


def _broadcast(alpha, x, mode):
    """Alpha shaped to broadcast against X."""
    if mode == "all":
        return alpha.reshape(())
    if mode == "channel":
        return alpha.reshape((1, x.shape[1]) + (1,) * (x.ndim - 2))
    return alpha.reshape((1,) + x.shape[1:])


@op.kernel("float32", "float64")
def prelu(x, alpha, *, mode):
    return get_array_module(x).where(x > 0, x, x * _broadcast(alpha, x, mode))


op.default_grad(inputs=("X", "Alpha"), grads=("X", "Alpha"))
grad = register_op("prelu_grad", inputs=["X", "Alpha", grad_name("Out")],
                   outputs=[grad_name("X") + "?", grad_name("Alpha") + "?"],
                   attrs={"mode": "all"}, wants_outputs=True)


@grad.kernel("float32", "float64")
def prelu_grad(x, alpha, dout, *, mode, wanted):
    xp = get_array_module(x)
    dx = xp.where(x > 0, dout, dout * _broadcast(alpha, x, mode)) if wanted[0] else None
    dalpha = None
    if wanted[1]:
        g = dout * xp.minimum(x, 0)
        axes = {"all": None, "channel": (0,) + tuple(range(2, x.ndim)), "element": (0,)}[mode]
        dalpha = g.sum(axis=axes).reshape(alpha.shape).astype(x.dtype, copy=False)
    return dx, dalpha
