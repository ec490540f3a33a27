"""scatter: X with the rows that Ids names replaced by (or, without overwrite, set to the sum
of) the rows of Updates.

    Ids: 1-D (or [N, 1]) int32/int64; Updates: [len(Ids)] + X.shape[1:]
    overwrite:      Out = X; Out[Ids[i]] = Updates[i] in order (a repeated id: the last wins)
    not overwrite:  Out = X; Out[Ids] = 0; Out[Ids[i]] += Updates[i]
    X@GRAD = dOut with the rows Ids names zeroed; Updates@GRAD = dOut[Ids]  (fluid 1.8's
             grads, also for a repeated id under overwrite)
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int32", "int64")

op = register_op("scatter", inputs=["X", "Ids", "Updates"], outputs=["Out"],
                 attrs={"overwrite": True}, doc=__doc__)


@op.shape_rule
def _(op):
    x, ids, up = op.in_var("X"), op.in_var("Ids"), op.in_var("Updates")
    if ids.dtype.name not in ("int32", "int64") or not (
            len(ids.shape) == 1 or len(ids.shape) == 2 and ids.shape[1] in (1, -1)):
        raise TypeError(f"Ids ('{ids.name}') must be a 1-D (or [N, 1]) int32/int64 tensor, "
                        f"got {ids.dtype}{list(ids.shape)}")
    if not x.shape:
        raise ValueError(f"X ('{x.name}') must have at least one dimension")
    if up.dtype != x.dtype:
        raise TypeError(f"Updates ('{up.name}', {up.dtype}) must have X's dtype ({x.dtype})")
    want = (ids.shape[0],) + tuple(x.shape[1:])
    if len(up.shape) != len(want) or any(-1 not in (u, w) and u != w
                                         for u, w in zip(up.shape, want)):
        raise ValueError(f"Updates ('{up.name}') must have shape [len(Ids)] + X.shape[1:] = "
                         f"{list(want)}, got {list(up.shape)}")
    return like(x)


def _rows(ids, n):
    ids = ids.reshape(-1)
    if ids.size and bool(((ids < 0) | (ids >= n)).any()):
        raise ValueError(f"scatter: Ids holds ids outside [0, {n}): {ids.tolist()[:8]}")
    return ids


def _add_at(xp, a, ids, b):
    if hasattr(xp.add, "at"):
        xp.add.at(a, ids, b)  # a repeated id sums
    else:  # a cupy without ufunc.at
        import cupyx
        cupyx.scatter_add(a, ids, b)


@op.kernel(*DTYPES)
def scatter(x, ids, updates, *, overwrite):
    xp = get_array_module(x)
    out, ids = x.copy(), _rows(ids, x.shape[0])
    if overwrite:
        # the last occurrence of each id, so that the last wins on cupy too (whose order of
        # assignment is unspecified)
        last = ids.size - 1 - xp.unique(ids[::-1], return_index=True)[1]
        out[ids[last]] = updates[last]
    else:
        out[ids] = 0
        _add_at(xp, out, ids, updates)
    return out


op.default_grad(inputs=("Ids", "Updates"), grads=("X", "Updates"))
# Out@GRAD first: a kernel is chosen by its first input's dtype (Ids is an int)
grad = register_op("scatter_grad", inputs=[grad_name("Out"), "Ids", "Updates"],
                   outputs=[grad_name("X") + "?", grad_name("Updates") + "?"],
                   attrs={"overwrite": True})


@grad.shape_rule
def _(op):
    return {grad_name("X"): like(op.in_var(grad_name("Out"))),
            grad_name("Updates"): like(op.in_var("Updates"))}


@grad.kernel("float16", "float32", "float64")
def scatter_grad(dout, ids, updates, *, overwrite):
    ids = _rows(ids, dout.shape[0])
    dx = dout.copy()
    dx[ids] = 0
    return dx, dout[ids]
