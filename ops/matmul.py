"""matmul: alpha * op(X) @ op(Y), op transposing the last two dimensions when asked; batch
dimensions broadcast as numpy's matmul; a 1-D X is a row, a 1-D Y a column.

    X@GRAD = alpha * dOut @ op(Y)^T,  Y@GRAD = alpha * op(X)^T @ dOut
    (transposed back, and summed over broadcast batch dimensions)
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op

from .elementwise import broadcast_shape, reduce_to, x_and_y

ATTRS = {"transpose_X": False, "transpose_Y": False, "alpha": 1.0}
op = register_op("matmul", inputs=["X", "Y"], outputs=["Out"], attrs=ATTRS, doc=__doc__)


def _t(a, flag):
    return a.swapaxes(-1, -2) if flag else a


def _shapes(xs, ys, tx, ty):
    """2-D-at-least shapes of op(X), op(Y), and the output shape."""
    x2 = (1,) + tuple(xs) if len(xs) == 1 else tuple(xs)
    y2 = tuple(ys) + (1,) if len(ys) == 1 else tuple(ys)
    if tx and len(xs) > 1:
        x2 = x2[:-2] + (x2[-1], x2[-2])
    if ty and len(ys) > 1:
        y2 = y2[:-2] + (y2[-1], y2[-2])
    if -1 not in (x2[-1], y2[-2]) and x2[-1] != y2[-2]:
        raise ValueError(f"inner dimensions differ: {list(xs)} and {list(ys)} (transpose_X="
                         f"{tx}, transpose_Y={ty})")
    n = max(len(x2), len(y2))
    batch = broadcast_shape((1,) * (n - len(x2)) + x2[:-2], (1,) * (n - len(y2)) + y2[:-2])
    out = batch + (x2[-2], y2[-1])
    if len(xs) == 1:
        out = out[:-2] + out[-1:]
    if len(ys) == 1:
        out = out[:-1]
    return out


@op.shape_rule
def _(op):
    x, y = x_and_y(op)
    for slot, v in (("X", x), ("Y", y)):
        if not v.shape:
            raise ValueError(f"{slot} ('{v.name}') must have rank >= 1, got shape []")
    out = op.out_var("Out")
    out.shape = _shapes(x.shape, y.shape, op.attr("transpose_X"), op.attr("transpose_Y"))
    out.dtype = x.dtype


@op.kernel(("cpu", "cuda"), "float32", "float64")
def matmul(x, y, *, transpose_X, transpose_Y, alpha):
    out = _t(x, transpose_X and x.ndim > 1) @ _t(y, transpose_Y and y.ndim > 1)
    return out * out.dtype.type(alpha) if alpha != 1 else out


op.default_grad(inputs=("X", "Y"), grads=("X", "Y"))


grad = register_op("matmul_grad", inputs=["X", "Y", "Out@GRAD"],
                   outputs=["X@GRAD?", "Y@GRAD?"], attrs=ATTRS)


@grad.kernel(("cpu", "cuda"), "float32", "float64")
def matmul_grad(x, y, dout, *, transpose_X, transpose_Y, alpha):
    xp = get_array_module(x)
    x2 = x[None, :] if x.ndim == 1 else _t(x, transpose_X)
    y2 = y[:, None] if y.ndim == 1 else _t(y, transpose_Y)
    d = dout.reshape(dout.shape[:-1] + (1,) + dout.shape[-1:]) if x.ndim == 1 else dout
    d = d[..., None] if y.ndim == 1 else d
    d = d * d.dtype.type(alpha) if alpha != 1 else d
    dx, dy = d @ y2.swapaxes(-1, -2), x2.swapaxes(-1, -2) @ d
    dx = reduce_to(dx, (1,) * (dx.ndim - x2.ndim) + x2.shape)
    dy = reduce_to(dy, (1,) * (dy.ndim - y2.ndim) + y2.shape)
    dx = dx.reshape(dx.shape[dx.ndim - x2.ndim:])
    dy = dy.reshape(dy.shape[dy.ndim - y2.ndim:])
    dx = dx.reshape(x.shape) if x.ndim == 1 else _t(dx, transpose_X)
    dy = dy.reshape(y.shape) if y.ndim == 1 else _t(dy, transpose_Y)
    return xp.ascontiguousarray(dx), xp.ascontiguousarray(dy)
