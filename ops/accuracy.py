"""accuracy (fluid 1.8's layers.accuracy appends top_k, ops/top_k.py, then accuracy).

    accuracy   Correct = #rows i with Label[i] among Indices[i, :];  Total = #rows
               Accuracy = Correct / Total  (0 for an empty batch, where fluid leaves it unset)

Accuracy is float32, Correct and Total int32, as fluid's. accuracy is a metric: no gradient.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op


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
