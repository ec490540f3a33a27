"""cos_sim: the cosine similarity of each row of X (flattened from dimension 1) with the
matching row of Y, or with Y's one row when Y has a batch of 1.

    XNorm = |X_i|,  YNorm = |Y_j|,  Out_i = <X_i, Y_j> / (XNorm_i YNorm_j)     ([N, 1] each;
                                                     YNorm is [M, 1], j = i, or 0 for M = 1)
    X@GRAD_i = dOut_i (Y_j / (XNorm_i YNorm_j) - Out_i X_i / XNorm_i^2)
    Y@GRAD_j = sum over the rows i paired with j of dOut_i (X_i / (XNorm_i YNorm_j)
                                                            - Out_i Y_j / YNorm_j^2)
A zero row has no direction: its Out is NaN, as in fluid.
"""
import math

import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like, x_and_y

op = register_op("cos_sim", inputs=["X", "Y"], outputs=["Out", "XNorm?", "YNorm?"],
                 doc=__doc__)


@op.shape_rule
def _(op):
    x, y = x_and_y(op)
    if x.dtype.kind != "f":
        raise TypeError(f"X ('{x.name}') and Y ('{y.name}') must be float tensors, got "
                        f"{x.dtype}")
    if len(x.shape) < 2 or len(x.shape) != len(y.shape):
        raise ValueError(f"X ('{x.name}') and Y ('{y.name}') must have one rank, at least 2, "
                         f"got shapes {list(x.shape)} and {list(y.shape)}")
    rest = [(p, q) for p, q in zip(x.shape[1:], y.shape[1:]) if -1 not in (p, q)]
    if any(p != q for p, q in rest) or y.shape[0] not in (x.shape[0], 1, -1) \
            and x.shape[0] != -1:
        raise ValueError(f"Y ('{y.name}') of shape {list(y.shape)} must have X's dimensions "
                         f"{list(x.shape)} after the first, and a batch of X's or 1")
    return {"Out": like(x, shape=(x.shape[0], 1)), "XNorm": ((x.shape[0], 1), x.dtype),
            "YNorm": ((y.shape[0], 1), x.dtype)}


def _unit_rows(a):
    """The norms of `a`'s rows (flattened) and the rows over their norms. Each row is scaled
    by its largest |element| first, so that squares do not overflow (|x| > 1e19 in float32)."""
    xp = get_array_module(a)
    rows = a.reshape(a.shape[0], math.prod(a.shape[1:]))
    big = xp.abs(rows).max(axis=1, keepdims=True) if rows.size else xp.ones((len(rows), 1),
                                                                               a.dtype)
    big = xp.where(big > 0, big, 1).astype(a.dtype)
    scaled = rows / big
    norm = xp.sqrt((scaled * scaled).sum(axis=1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        return norm * big, scaled / norm


@op.kernel("float32", "float64")
def cos_sim(x, y):
    xn, xu = _unit_rows(x)
    yn, yu = _unit_rows(y)
    return (xu * yu).sum(axis=1, keepdims=True), xn, yn


op.default_grad(inputs=("X", "Y"), grads=("X", "Y"), outputs=("Out", "XNorm", "YNorm"))
grad = register_op("cos_sim_grad", inputs=["X", "Y", "Out", "XNorm", "YNorm", grad_name("Out")],
                   outputs=[grad_name("X") + "?", grad_name("Y") + "?"], wants_outputs=True)


@grad.kernel("float32", "float64")
def cos_sim_grad(x, y, out, xn, yn, dout, *, wanted):
    rows_x = x.reshape(len(x), math.prod(x.shape[1:]))
    rows_y = y.reshape(len(y), math.prod(y.shape[1:]))
    with np.errstate(invalid="ignore", divide="ignore"):
        xu, yu = rows_x / xn, rows_y / yn  # unit rows; dividing twice keeps |x|^2 from overflow
        dx = dy = None
        if wanted[0]:
            dx = (dout * (yu - out * xu) / xn).reshape(x.shape)
        if wanted[1]:
            dy = dout * (xu - out * yu) / yn
            if len(y) != len(x):  # Y's one row was paired with every row of X
                dy = dy.sum(axis=0, keepdims=True)
            dy = dy.reshape(y.shape)
    return dx, dy
