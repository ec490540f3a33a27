"""smooth_l1_loss: per row, the sum of a smoothed |X - Y| (quadratic within 1 / sigma^2),
each difference weighted inside (InsideWeight) and each term outside (OutsideWeight):

    Diff = (X - Y) InsideWeight                       (InsideWeight = 1 when left out)
    f(d) = sigma^2 d^2 / 2 where |d| < 1 / sigma^2, else |d| - 1 / (2 sigma^2)
    Out  = sum over all but the first dimension of f(Diff) OutsideWeight      ([N, 1])
    X@GRAD = dOut OutsideWeight f'(Diff) InsideWeight,  f'(d) = clip(sigma^2 d, -1, 1);
    Y@GRAD = -X@GRAD
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import grads_like, like, x_and_y

WEIGHTS = ["InsideWeight?", "OutsideWeight?"]
op = register_op("smooth_l1_loss", inputs=["X", "Y", *WEIGHTS], outputs=["Diff", "Out"],
                 attrs={"sigma": 1.0}, doc=__doc__)


@op.shape_rule
def _(op):
    x, y = x_and_y(op)
    if x.dtype.kind != "f":
        raise TypeError(f"X ('{x.name}') must be a float tensor, got {x.dtype}")
    if len(x.shape) < 2:
        raise ValueError(f"X ('{x.name}') must have at least 2 dimensions, got "
                         f"{list(x.shape)}")
    for v in [y] + [op.in_var(s) for s in ("InsideWeight", "OutsideWeight")]:
        if v is not None and (tuple(v.shape) != tuple(x.shape) or v.dtype != x.dtype):
            raise ValueError(f"'{v.name}' must be like X ('{x.name}'), {x.dtype}"
                             f"{list(x.shape)}, got {v.dtype}{list(v.shape)}")
    return {"Diff": like(x), "Out": like(x, shape=(x.shape[0], 1))}


op.default_grad(inputs=("InsideWeight", "OutsideWeight"), grads=("X", "Y"),
                outputs=("Diff",))


def _sigma2(sigma, dtype):
    """sigma^2 in `dtype`, at most its largest finite value: a huge sigma (the loss is then
    |Diff|) must not make 1 / sigma^2 = 0 and inf * 0 = nan."""
    return dtype.type(min(sigma * sigma, float(np.finfo(dtype).max)))


@op.kernel("float32", "float64")
def smooth_l1_loss(x, y, inside, outside, *, sigma):
    xp = get_array_module(x)
    s2 = _sigma2(sigma, x.dtype)
    diff = x - y if inside is None else (x - y) * inside
    dc = xp.clip(diff, -1 / s2, 1 / s2)  # squaring only the clipped part: no overflow
    f = s2 * dc * dc / 2 + (xp.abs(diff) - xp.abs(dc))
    if outside is not None:
        f = f * outside
    return diff, f.reshape(x.shape[0], int(np.prod(x.shape[1:]))).sum(axis=1, keepdims=True)


grad = register_op("smooth_l1_loss_grad", inputs=["Diff", *WEIGHTS, grad_name("Out")],
                   outputs=[grad_name("X") + "?", grad_name("Y") + "?"], attrs={"sigma": 1.0},
                   wants_outputs=True)


grad.shape_rule(grads_like("Diff", "X", "Y"))


@grad.kernel("float32", "float64")
def smooth_l1_loss_grad(diff, inside, outside, dout, *, sigma, wanted=(True, True)):
    xp = get_array_module(diff)
    s2 = _sigma2(sigma, diff.dtype)
    with np.errstate(over="ignore"):  # s2 diff beyond the dtype's range is clipped anyway
        g = xp.clip(s2 * diff, -1, 1) * dout.reshape((-1,) + (1,) * (diff.ndim - 1))
    for w in (inside, outside):
        if w is not None:
            g = g * w
    return (g if wanted[0] else None), (-g if wanted[1] else None)
