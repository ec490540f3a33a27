"""top_k: the k largest entries of X along its last dimension, largest first, and their
indices.

    Out = X's k largest along the last axis, in descending order; Indices: where they were
          (int64; among equal entries the first comes first)
    X@GRAD = zeros like X, with dOut put back at Indices

K (a 1-element int tensor) gives k when the op runs; Out's last dimension is then -1 at
build time.
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import int_tensor, like

DTYPES = ("float16", "float32", "float64", "int32", "int64")

op = register_op("top_k", inputs=["X", "K?"], outputs=["Out", "Indices"], attrs={"k": 1},
                 doc=__doc__)


@op.shape_rule
def _(op):
    x, k_t, k = op.in_var("X"), op.in_var("K"), op.attr("k")
    if not x.shape:
        raise ValueError(f"X ('{x.name}') must have at least one dimension")
    if k_t is not None:
        int_tensor(k_t, "K", one=True)
        k = -1
    elif k < 1 or x.shape[-1] not in (-1,) and k > x.shape[-1]:
        raise ValueError(f"k must be in [1, {x.shape[-1]}] (X's last dimension), got {k}")
    shape = tuple(x.shape[:-1]) + (k,)
    return {"Out": like(x, shape=shape), "Indices": like(x, dtype="int64", shape=shape)}


@op.kernel(*DTYPES)
def top_k(x, k_t, *, k):
    xp = get_array_module(x)
    if k_t is not None:
        k = int(k_t.reshape(-1).tolist()[0])  # a read of the device
    if not 1 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k must be in [1, {x.shape[-1]}] (X's last dimension), got "
                         f"{k}")
    # a stable sort of -X: descending, and the first of equal entries first
    order = xp.argsort(-x if x.dtype.kind == "f" else -x.astype("float64"), axis=-1,
                       kind="stable")[..., :k]
    rows, at = _rows(xp, x.shape, order)
    return x.reshape(-1, x.shape[-1])[rows, at].reshape(order.shape), order.astype("int64")


def _rows(xp, shape, indices):
    """(row numbers, indices) that pick indices' entries of each row of X as a matrix (what
    take_along_axis does, in calls numpy and cupy share)."""
    at = indices.reshape(-1, indices.shape[-1])
    return xp.arange(at.shape[0])[:, None], at


op.default_grad(inputs=("X",), outputs=("Indices",))
grad = register_op("top_k_grad", inputs=["X", "Indices", grad_name("Out")],
                   outputs=[grad_name("X") + "?"], attrs={"k": 1})


@grad.kernel("float16", "float32", "float64")
def top_k_grad(x, indices, dout, *, k):
    xp = get_array_module(dout)
    dx = xp.zeros((x.size // x.shape[-1], x.shape[-1]), dout.dtype)
    rows, at = _rows(xp, x.shape, indices)
    dx[rows, at] = dout.reshape(at.shape)
    return dx.reshape(x.shape)
