"""pad and pad_constant_like: a tensor grown by constant entries on its borders.

    pad:               Out = X with paddings[2i] entries of pad_value before dimension i and
                       paddings[2i + 1] after it (paddings: 2 * rank ints >= 0)
                       X@GRAD = dOut with the padding cut off
    pad_constant_like: Out = Y with pad_value entries after each dimension, up to X's shape
                       (X only gives the shape); Y@GRAD = dOut[:Y's shape]; X has no gradient
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int32", "int64")

op = register_op("pad", inputs=["X"], outputs=["Out"], attrs={"paddings": [], "pad_value": 0.0},
                 doc=__doc__)


@op.shape_rule
def _(op):
    x, pads = op.in_var("X"), op.attr("paddings")
    if len(pads) != 2 * len(x.shape) or any(p < 0 for p in pads):
        raise ValueError(f"paddings must hold 2 ints >= 0 per dimension of X ('{x.name}', "
                         f"rank {len(x.shape)}), got {list(pads)}")
    return like(x, shape=[d if d == -1 else d + pads[2 * i] + pads[2 * i + 1]
                          for i, d in enumerate(x.shape)])


def _cut(g, before, shape):
    """g[before[0]:before[0] + shape[0], ...]: the part of a padded gradient an input had."""
    return g[tuple(slice(b, b + n) for b, n in zip(before, shape))].copy()


@op.kernel(*DTYPES)
def pad(x, *, paddings, pad_value):
    xp = get_array_module(x)
    widths = [(paddings[2 * i], paddings[2 * i + 1]) for i in range(x.ndim)]
    return xp.pad(x, widths, mode="constant", constant_values=x.dtype.type(pad_value))


op.default_grad()
grad = register_op("pad_grad", inputs=["X", grad_name("Out")], outputs=[grad_name("X") + "?"],
                   attrs={"paddings": [], "pad_value": 0.0})


@grad.kernel("float16", "float32", "float64")
def pad_grad(x, dout, *, paddings, pad_value):
    return _cut(dout, paddings[::2], x.shape)


like_op = register_op("pad_constant_like", inputs=["X", "Y"], outputs=["Out"],
                      attrs={"pad_value": 0.0}, doc=__doc__)


@like_op.shape_rule
def _(op):
    x, y = op.in_var("X"), op.in_var("Y")
    if len(x.shape) != len(y.shape) or any(-1 not in (a, b) and a < b
                                           for a, b in zip(x.shape, y.shape)):
        raise ValueError(f"X ('{x.name}', shape {list(x.shape)}) must have Y's rank and no "
                         f"dimension smaller than Y's ('{y.name}', shape {list(y.shape)})")
    return like(y, shape=x.shape)


@like_op.kernel(*DTYPES)
def pad_constant_like(x, y, *, pad_value):
    xp = get_array_module(y)
    if any(a < b for a, b in zip(x.shape, y.shape)):
        raise ValueError(f"pad_constant_like: X's shape {list(x.shape)} must be at least Y's "
                         f"{list(y.shape)} in every dimension")
    widths = [(0, a - b) for a, b in zip(x.shape, y.shape)]
    return xp.pad(y, widths, mode="constant", constant_values=y.dtype.type(pad_value))


like_op.default_grad(inputs=("Y",), grads=("Y",))
like_grad = register_op("pad_constant_like_grad", inputs=["Y", grad_name("Out")],
                        outputs=[grad_name("Y") + "?"], attrs={"pad_value": 0.0})


@like_grad.kernel("float16", "float32", "float64")
def pad_constant_like_grad(y, dout, *, pad_value):
    return _cut(dout, (0,) * y.ndim, y.shape)
