"""matmul: alpha * op(X) @ op(Y), op transposing the last two dimensions when asked; batch
dimensions broadcast as numpy's matmul.

    X@GRAD = alpha * dOut @ op(Y)^T,  Y@GRAD = alpha * op(X)^T @ dOut
    (transposed back, and summed over broadcast batch dimensions)

A 1-D operand follows Paddle 1.8: X of shape [K] is the row [1, K], or with transpose_X the
column [K, 1]; Y of shape [K] is the column [K, 1], or with transpose_Y the row [1, K]. The
output then drops the row dimension that a 1-D X gave if it is 1, and the column dimension
that a 1-D Y gave if it is 1; what is left of two 1-D operands is [1]:

    [K] @ [K] -> [1]    [M] (transpose_X) @ [N] (transpose_Y) -> [M, N]    [K] @ [B, K, N] -> [B, N]
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import broadcast_shape, like, reduce_to, x_and_y

ATTRS = {"transpose_X": False, "transpose_Y": False, "alpha": 1.0}
op = register_op("matmul", inputs=["X", "Y"], outputs=["Out"], attrs=ATTRS, doc=__doc__)


def _t(a, flag):
    return a.swapaxes(-1, -2) if flag else a


def _as_matrix(shape, row, flag):
    """The shape of op(A) for an operand of `shape`: 1-D is a row (or a column), then
    transposed when `flag`."""
    s = tuple(shape)
    if len(s) == 1:
        s = (1,) + s if row else s + (1,)
    return s[:-2] + (s[-1], s[-2]) if flag else s


def _shapes(xs, ys, tx, ty):
    """The output shape (a 1-D operand's dimension of 1 dropped as Paddle 1.8 does)."""
    x2, y2 = _as_matrix(xs, True, tx), _as_matrix(ys, False, ty)
    if -1 not in (x2[-1], y2[-2]) and x2[-1] != y2[-2]:
        raise ValueError(f"inner dimensions differ: {list(xs)} and {list(ys)} (transpose_X="
                         f"{tx}, transpose_Y={ty})")
    n = max(len(x2), len(y2))
    batch = broadcast_shape((1,) * (n - len(x2)) + x2[:-2], (1,) * (n - len(y2)) + y2[:-2])
    out = batch + (x2[-2], y2[-1])
    if len(xs) == 1 and out[-2] == 1:
        out = out[:-2] + out[-1:]
    if len(ys) == 1 and out[-1] == 1:
        out = out[:-1]
    return out or (1,)


def _operands(x, y, tx, ty):
    """op(X) and op(Y) as arrays of rank >= 2."""
    x2 = _t(x[None, :] if x.ndim == 1 else x, tx)
    y2 = _t(y[:, None] if y.ndim == 1 else y, ty)
    return x2, y2


@op.shape_rule
def _(op):
    x, y = x_and_y(op)
    for slot, v in (("X", x), ("Y", y)):
        if not v.shape:
            raise ValueError(f"{slot} ('{v.name}') must have rank >= 1, got shape []")
    return like(x, shape=_shapes(x.shape, y.shape, op.attr("transpose_X"),
                                 op.attr("transpose_Y")))  # fluid's ShareLoD("X", "Out")


@op.kernel("float32", "float64")
def matmul(x, y, *, transpose_X, transpose_Y, alpha):
    x2, y2 = _operands(x, y, transpose_X, transpose_Y)
    out = x2 @ y2
    out = out.reshape(_shapes(x.shape, y.shape, transpose_X, transpose_Y))
    return out * out.dtype.type(alpha) if alpha != 1 else out


op.default_grad(inputs=("X", "Y"), grads=("X", "Y"))


grad = register_op("matmul_grad", inputs=["X", "Y", grad_name("Out")],
                   outputs=[grad_name("X") + "?", grad_name("Y") + "?"], attrs=ATTRS)


@grad.kernel("float32", "float64")
def matmul_grad(x, y, dout, *, transpose_X, transpose_Y, alpha):
    xp = get_array_module(x)
    x2, y2 = _operands(x, y, transpose_X, transpose_Y)
    n = max(x2.ndim, y2.ndim)
    batch = broadcast_shape((1,) * (n - x2.ndim) + x2.shape[:-2],
                            (1,) * (n - y2.ndim) + y2.shape[:-2])
    d = dout.reshape(batch + (x2.shape[-2], y2.shape[-1]))  # the dimensions Out dropped
    d = d * d.dtype.type(alpha) if alpha != 1 else d
    dx, dy = d @ y2.swapaxes(-1, -2), x2.swapaxes(-1, -2) @ d
    dx = reduce_to(dx, (1,) * (dx.ndim - x2.ndim) + x2.shape)
    dy = reduce_to(dy, (1,) * (dy.ndim - y2.ndim) + y2.shape)
    dx = dx.reshape(dx.shape[dx.ndim - x2.ndim:])
    dy = dy.reshape(dy.shape[dy.ndim - y2.ndim:])
    dx = _t(dx, transpose_X).reshape(x.shape)
    dy = _t(dy, transpose_Y).reshape(y.shape)
    return xp.ascontiguousarray(dx), xp.ascontiguousarray(dy)
