"""gather_nd: the slices of X that the last dimension of Index addresses.

    Index: [..., K] int32/int64 (K <= rank of X); each row is a multi-index into X's first K
           dimensions
    Out[i...] = X[Index[i..., 0], ..., Index[i..., K - 1]]
                (shape Index.shape[:-1] + X.shape[K:]; K = 0 copies all of X per row)
    X@GRAD = zeros like X, with each dOut slice added at its multi-index (a repeated one sums)
"""
import math

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")

op = register_op("gather_nd", inputs=["X", "Index"], outputs=["Out"], doc=__doc__)


@op.shape_rule
def _(op):
    x, index = op.in_var("X"), op.in_var("Index")
    if index.dtype.name not in ("int32", "int64") or not index.shape:
        raise TypeError(f"Index ('{index.name}') must be an int32/int64 tensor of rank >= 1, "
                        f"got {index.dtype}{list(index.shape)}")
    k = index.shape[-1]
    if k > len(x.shape):
        raise ValueError(f"Input(Index).shape[-1] should be no greater than Input(X).rank: "
                         f"Index ('{index.name}') of shape {list(index.shape)}, X "
                         f"('{x.name}') of shape {list(x.shape)}")
    if k == -1:
        raise ValueError(f"Index ('{index.name}') must have a known last dimension, got shape "
                         f"{list(index.shape)}")
    return like(x, shape=tuple(index.shape[:-1]) + tuple(x.shape[k:]))


def _where(index, shape):
    """Index's rows as a tuple of index arrays into X's first K dimensions, checked."""
    k = index.shape[-1]
    ids = index.reshape(-1, k)
    dims = get_array_module(index).asarray(shape[:k], dtype=ids.dtype)
    if ids.size and bool(((ids < 0) | (ids >= dims)).any()):
        raise ValueError(f"gather_nd: Index holds a multi-index outside X's shape "
                         f"{list(shape)}: {ids[((ids < 0) | (ids >= dims)).any(1)][0].tolist()}")
    return tuple(ids[:, j] for j in range(k))


@op.kernel(*DTYPES)
def gather_nd(x, index):
    xp = get_array_module(x)
    k, lead = index.shape[-1], index.shape[:-1]
    if k == 0:  # every row addresses all of X
        return xp.broadcast_to(x, (math.prod(lead),) + x.shape).reshape(lead + x.shape).copy()
    return x[_where(index, x.shape)].reshape(lead + x.shape[k:])


op.default_grad(inputs=("X", "Index"))
grad = register_op("gather_nd_grad", inputs=["X", "Index", grad_name("Out")],
                   outputs=[grad_name("X") + "?"])


@grad.kernel("float16", "float32", "float64")
def gather_nd_grad(x, index, dout):
    xp = get_array_module(dout)
    k = index.shape[-1]
    if k == 0:
        return dout.reshape((-1,) + x.shape).sum(axis=0)
    dx = xp.zeros(x.shape, dout.dtype)
    at, g = _where(index, x.shape), dout.reshape((-1,) + x.shape[k:])
    if hasattr(xp.add, "at"):
        xp.add.at(dx, at, g)  # a repeated multi-index sums
    else:  # a cupy without ufunc.at
        import cupyx
        cupyx.scatter_add(dx, at, g)
    return dx
