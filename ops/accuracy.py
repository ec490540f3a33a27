"""accuracy, and the top_k op it is built on (fluid 1.8's layers.accuracy appends top_k, then
accuracy).

    top_k      Out, Indices = the k largest of X along its last axis, largest first (ties:
               the smaller index first), and their indices (int64)
               X@GRAD = Out@GRAD scattered back to Indices, 0 elsewhere
    accuracy   Correct = #rows i with Label[i] among Indices[i, :];  Total = #rows
               Accuracy = Correct / Total  (0 for an empty batch, where fluid leaves it unset)

Accuracy is float32, Correct and Total int32, as fluid's. accuracy is a metric: no gradient.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import int_tensor, like

top_k = register_op("top_k", inputs=["X", "K?"], outputs=["Out", "Indices"], attrs={"k": 1},
                    doc=__doc__)


@top_k.shape_rule
def _(op):
    x, k_t, k = op.in_var("X"), op.in_var("K"), op.attr("k")
    if not x.shape:
        raise ValueError(f"X ('{x.name}') must have at least 1 dimension, got a scalar")
    if k_t is not None:
        int_tensor(k_t, "K", one=True)
        k = -1
    elif k < 1 or (x.shape[-1] >= 0 and k > x.shape[-1]):
        raise ValueError(f"k must be in [1, {x.shape[-1]}] (X's last dimension), got {k}")
    shape = (*x.shape[:-1], k)
    return {"Out": like(x, shape=shape), "Indices": like(x, shape=shape, dtype=np.int64)}


@top_k.grad_maker
def _(op):
    return [dict(type="top_k_grad", inputs={"X": op.input("X"), "Indices": op.output("Indices"),
                                            grad_name("Out"): [grad_name(n) for n in
                                                               op.output("Out")]},
                 outputs={grad_name("X"): [grad_name(n) for n in op.input("X")]},
                 attrs=dict(op.attrs))]


@top_k.kernel("float32", "float64", "int32", "int64")
def _top_k(x, k_t, *, k):
    xp = get_array_module(x)
    if k_t is not None:
        k = int(k_t.reshape(-1)[0])  # a read of the device on GPU
    n = x.shape[-1]
    if not 1 <= k <= n:
        raise ValueError(f"top_k: k must be in [1, {n}] (X's last dimension), got {k}")
    # a stable sort of X reversed, read backwards: largest first, ties by smaller index
    order = xp.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :k]
    indices = (n - 1 - order).astype(np.int64)
    return xp.take_along_axis(x, indices, axis=-1), indices


top_k_grad = register_op("top_k_grad", inputs=["X", "Indices", grad_name("Out")],
                         outputs=[grad_name("X") + "?"], attrs={"k": 1})


@top_k_grad.kernel("float32", "float64")
def _top_k_grad(x, indices, dout, *, k):
    xp = get_array_module(x)
    dx = xp.zeros((int(np.prod(x.shape[:-1])), x.shape[-1]), dout.dtype)
    rows = xp.arange(dx.shape[0]).reshape(-1, 1)
    dx[rows, indices.reshape(dx.shape[0], -1)] = dout.reshape(dx.shape[0], -1)
    return dx.reshape(x.shape)


acc = register_op("accuracy", inputs=["Out", "Indices", "Label"],
                  outputs=["Accuracy", "Correct", "Total"], doc=__doc__,
                  no_grad="a metric: fluid has no accuracy_grad")


@acc.shape_rule
def _(op):
    out, indices, label = op.in_var("Out"), op.in_var("Indices"), op.in_var("Label")
    if indices.dtype.name not in ("int32", "int64") or label.dtype.name not in ("int32", "int64"):
        raise TypeError(f"Indices ('{indices.name}', {indices.dtype}) and Label "
                        f"('{label.name}', {label.dtype}) must be int32/int64")
    if len(indices.shape) != 2 or tuple(out.shape) != tuple(indices.shape):
        raise ValueError(f"Out ('{out.name}') and Indices ('{indices.name}') must be [N, k] of "
                         f"one shape, got {list(out.shape)} and {list(indices.shape)}")
    n = indices.shape[0]
    if len(label.shape) != 2 or label.shape[1] not in (1, -1) or \
            -1 not in (n, label.shape[0]) and label.shape[0] != n:
        raise ValueError(f"Label ('{label.name}') must be [N, 1] with N = {n} (Indices' rows), "
                         f"got {list(label.shape)}")
    return {"Accuracy": ((1,), np.float32), "Correct": ((1,), np.int32),
            "Total": ((1,), np.int32)}


@acc.kernel("float32", "float64")
def accuracy(out, indices, label):
    xp = get_array_module(indices)
    total = indices.shape[0]
    correct = (indices == label.reshape(-1, 1)).any(axis=1).sum()
    rate = correct / max(total, 1)
    return (xp.reshape(rate, (1,)).astype(np.float32),
            xp.reshape(correct, (1,)).astype(np.int32), xp.full((1,), total, np.int32))
