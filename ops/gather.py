"""gather: the rows of X that Index names (Index: 1-D, or [N, 1], int32/int64).

    Out = X[Index]           (shape [len(Index)] + X.shape[1:])
    X@GRAD = zeros like X, with dOut[i] added to row Index[i]; with overwrite (fluid's
             default) a row named twice gets the last of its dOut rows instead of their sum,
             as fluid 1.8 computes it
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")

op = register_op("gather", inputs=["X", "Index"], outputs=["Out"], attrs={"overwrite": True},
                 doc=__doc__)


@op.shape_rule
def _(op):
    x, index = op.in_var("X"), op.in_var("Index")
    if index.dtype.name not in ("int32", "int64") or not (
            len(index.shape) == 1 or len(index.shape) == 2 and index.shape[1] in (1, -1)):
        raise TypeError(f"Index ('{index.name}') must be a 1-D (or [N, 1]) int32/int64 tensor, "
                        f"got {index.dtype}{list(index.shape)}")
    if not x.shape:
        raise ValueError(f"X ('{x.name}') must have at least one dimension")
    return like(x, shape=(index.shape[0],) + tuple(x.shape[1:]))


def _rows(index, n):
    ids = index.reshape(-1)
    if ids.size and bool(((ids < -n) | (ids >= n)).any()):
        raise ValueError(f"gather: Index holds ids outside [0, {n}): {ids.tolist()[:8]}")
    return ids


@op.kernel(*DTYPES)
def gather(x, index, *, overwrite):
    return x[_rows(index, x.shape[0])]


op.default_grad(inputs=("X", "Index"))
grad = register_op("gather_grad", inputs=["X", "Index", grad_name("Out")],
                   outputs=[grad_name("X") + "?"], attrs={"overwrite": True})


@grad.kernel("float16", "float32", "float64")
def gather_grad(x, index, dout, *, overwrite):
    xp = get_array_module(dout)
    dx, ids = xp.zeros(x.shape, dout.dtype), _rows(index, x.shape[0])
    if overwrite:
        dx[ids] = dout
    elif hasattr(xp.add, "at"):
        xp.add.at(dx, ids, dout)  # sums the rows of a repeated id
    else:  # a cupy without ufunc.at
        import cupyx
        cupyx.scatter_add(dx, ids, dout)
    return dx
