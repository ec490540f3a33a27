"""argsort: X sorted along `axis`, and where each sorted entry was.

    Out = X sorted along axis (ascending; largest first with descending)
    Indices: Out = take_along_axis(X, Indices, axis) (int64; equal entries keep their order)
    X@GRAD = zeros like X, with dOut put back at Indices along axis
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int16", "int32", "int64", "uint8")

op = register_op("argsort", inputs=["X"], outputs=["Out", "Indices"],
                 attrs={"axis": -1, "descending": False}, doc=__doc__)


@op.shape_rule
def _(op):
    x, axis = op.in_var("X"), op.attr("axis")
    rank = max(len(x.shape), 1)
    if not -rank <= axis < rank:
        raise ValueError(f"axis must be in [{-rank}, {rank}) for X ('{x.name}') of shape "
                         f"{list(x.shape)}, got {axis}")
    return {"Out": like(x), "Indices": like(x, dtype="int64")}


@op.kernel(*DTYPES)
def argsort(x, *, axis, descending):
    xp = get_array_module(x)
    if x.size == 0 or x.ndim == 0:
        return x.copy(), xp.zeros(x.shape, "int64")
    m = xp.moveaxis(x, axis, -1)
    if descending:  # the ascending order of m reversed, flipped: equal entries keep their order
        n = m.shape[-1]
        order = n - 1 - xp.argsort(m[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    else:
        order = xp.argsort(m, axis=-1, kind="stable")
    flat, at = m.reshape(-1, m.shape[-1]), order.reshape(-1, m.shape[-1])
    out = flat[xp.arange(flat.shape[0])[:, None], at].reshape(m.shape)
    return xp.moveaxis(out, -1, axis), xp.moveaxis(order.astype("int64"), -1, axis)


op.default_grad(inputs=("X",), outputs=("Indices",))
grad = register_op("argsort_grad", inputs=["X", "Indices", grad_name("Out")],
                   outputs=[grad_name("X") + "?"], attrs={"axis": -1, "descending": False})


@grad.kernel("float16", "float32", "float64")
def argsort_grad(x, indices, dout, *, axis, descending):
    xp = get_array_module(dout)
    if x.size == 0 or x.ndim == 0:
        return dout.copy()
    g, at = xp.moveaxis(dout, axis, -1), xp.moveaxis(indices, axis, -1)
    n = g.shape[-1]
    dx = xp.zeros((g.size // n if n else 0, n), dout.dtype)
    dx[xp.arange(dx.shape[0])[:, None], at.reshape(-1, n)] = g.reshape(-1, n)
    return xp.moveaxis(dx.reshape(g.shape), -1, axis)
