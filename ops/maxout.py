"""maxout: the maximum of each run of `groups` consecutive channels (along `axis`, 1 for NCHW,
3 or -1 for NHWC).

    Out[..., c, ...] = max over k < groups of X[..., c groups + k, ...]   (C / groups channels)
    X@GRAD = dOut at the first maximum of each run, 0 elsewhere
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import float_input, like

ATTRS = {"groups": 2, "axis": 1}
op = register_op("maxout", inputs=["X"], attrs=ATTRS, doc=__doc__)


@op.shape_rule
def _(op):
    x = float_input(op)
    groups, axis = op.attr("groups"), op.attr("axis")
    if not -len(x.shape) <= axis < len(x.shape):
        raise ValueError(f"axis {axis} is out of range for X ('{x.name}') of shape "
                         f"{list(x.shape)}")
    c = x.shape[axis]
    if groups < 2 or (c != -1 and c % groups):  # fluid 1.8: groups > 1
        raise ValueError(f"groups ({groups}) must be >= 2 and divide the {c} channels of X "
                         f"('{x.name}') of shape {list(x.shape)} along axis {axis}")
    shape = list(x.shape)
    shape[axis] = -1 if c == -1 else c // groups
    return like(x, shape=shape)


def _runs(x, groups, axis):
    """X with its channel axis split into [C / groups, groups] (the runs last but one)."""
    axis %= x.ndim
    return x.reshape(x.shape[:axis] + (x.shape[axis] // groups, groups) + x.shape[axis + 1:]), \
        axis + 1


@op.kernel("float32", "float64")
def maxout(x, *, groups, axis):
    runs, k = _runs(x, groups, axis)
    return runs.max(axis=k)  # the runs' axis has `groups` >= 1 entries: no empty max


op.default_grad()
grad = register_op("maxout_grad", inputs=["X", grad_name("Out")], outputs=[grad_name("X")],
                   attrs=ATTRS)


@grad.kernel("float32", "float64")
def maxout_grad(x, dout, *, groups, axis):
    xp = get_array_module(x)
    if not x.size:
        return xp.zeros_like(x)
    runs, k = _runs(x, groups, axis)
    first = xp.expand_dims(runs.argmax(axis=k), k)
    hit = xp.arange(groups).reshape((groups,) + (1,) * (runs.ndim - k - 1)) == first
    return (hit * xp.expand_dims(dout, k)).reshape(x.shape).astype(x.dtype, copy=False)
