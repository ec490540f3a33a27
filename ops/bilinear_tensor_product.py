"""bilinear_tensor_product: for each output k, the bilinear form of X's and Y's rows with
the matrix Weight[k], plus Bias.

    Out[n, k] = sum over i, j of X[n, i] Weight[k, i, j] Y[n, j] + Bias[0, k]    ([N, K])
    X@GRAD[n, i] = sum over k, j of dOut[n, k] Weight[k, i, j] Y[n, j]
    Y@GRAD[n, j] = sum over k, i of dOut[n, k] X[n, i] Weight[k, i, j]
    Weight@GRAD[k, i, j] = sum over n of dOut[n, k] X[n, i] Y[n, j];  Bias@GRAD = sum dOut
"""
from minifluid.registry import grad_name, register_op

from .rules import like, x_and_y

op = register_op("bilinear_tensor_product", inputs=["X", "Y", "Weight", "Bias?"], doc=__doc__)


@op.shape_rule
def _(op):
    x, y = x_and_y(op)
    w, b = op.in_var("Weight"), op.in_var("Bias")
    if x.dtype.kind != "f" or w.dtype != x.dtype or (b is not None and b.dtype != x.dtype):
        raise TypeError(f"X, Y, Weight and Bias must be float tensors of one dtype, got X "
                        f"{x.dtype}, Weight {w.dtype}" + (f", Bias {b.dtype}" if b else ""))
    if len(x.shape) != 2 or len(y.shape) != 2 or len(w.shape) != 3:
        raise ValueError(f"X ('{x.name}') and Y ('{y.name}') must be 2-D and Weight "
                         f"('{w.name}') 3-D, got shapes {list(x.shape)}, {list(y.shape)} and "
                         f"{list(w.shape)}")

    def differ(p, q):
        return -1 not in (p, q) and p != q
    if differ(x.shape[0], y.shape[0]) or differ(x.shape[1], w.shape[1]) \
            or differ(y.shape[1], w.shape[2]):
        raise ValueError(f"X ('{x.name}') {list(x.shape)} and Y ('{y.name}') {list(y.shape)} "
                         f"must have one batch, and widths Weight's [K, X width, Y width] = "
                         f"{list(w.shape)}")
    if b is not None and (len(b.shape) != 2 or b.shape[0] not in (1, -1)
                          or differ(b.shape[1], w.shape[0])):
        raise ValueError(f"Bias ('{b.name}') must have shape [1, {w.shape[0]}], got "
                         f"{list(b.shape)}")
    batch = x.shape[0] if x.shape[0] != -1 else y.shape[0]
    return like(x, shape=(batch, w.shape[0]))


def _xw(x, w):
    """[N, K, J]: X times each Weight[k] (one matmul)."""
    k, i, j = w.shape
    return (x @ w.transpose(1, 0, 2).reshape(i, k * j)).reshape(len(x), k, j)


@op.kernel("float32", "float64")
def bilinear_tensor_product(x, y, w, b):
    out = (_xw(x, w) * y[:, None, :]).sum(axis=2)
    return out if b is None else out + b


op.default_grad(inputs=("X", "Y", "Weight", "Bias"), grads=("X", "Y", "Weight", "Bias"))
grad = register_op("bilinear_tensor_product_grad",
                   inputs=["X", "Y", "Weight", "Bias?", grad_name("Out")],
                   outputs=[grad_name(s) + "?" for s in ("X", "Y", "Weight", "Bias")],
                   wants_outputs=True)


@grad.kernel("float32", "float64")
def bilinear_tensor_product_grad(x, y, w, b, dout, *, wanted):
    (k, i, j), n = w.shape, len(x)
    dx = dy = dw = db = None
    if wanted[0]:
        g = (dout[:, :, None] * y[:, None, :]).reshape(n, k * j)
        dx = g @ w.transpose(0, 2, 1).reshape(k * j, i)
    if wanted[1]:
        dy = (dout[:, :, None] * _xw(x, w)).sum(axis=1)
    if wanted[2]:
        dw = (dout.T @ (x[:, :, None] * y[:, None, :]).reshape(n, i * j)).reshape(k, i, j)
    if wanted[3] and b is not None:
        db = dout.sum(axis=0, keepdims=True)
    return dx, dy, dw, db
