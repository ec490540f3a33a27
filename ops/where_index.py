"""where_index: the coordinates of Condition's true (non-zero) elements, one row each in
row-major order (fluid 1.8's op behind layers.where(condition)):

    Out = [[i0, i1, ...] for each index where Condition[i0, i1, ...] != 0]   int64 [n, rank]

n is known only when it runs (the shape rule says -1); no true element gives shape [0, rank].
Condition has rank >= 1. No gradient: integer indices.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

op = register_op("where_index", inputs=["Condition"], outputs=["Out"], doc=__doc__,
                 no_grad="integer indices: not differentiable")


@op.shape_rule
def _rule(op):
    c = op.in_var("Condition")
    if not c.shape:
        raise ValueError(f"Condition ('{c.name}') must have rank >= 1, got shape []")
    return (-1, len(c.shape)), np.int64


@op.kernel("bool", "int32", "int64", "float32", "float64")
def _where_index(c):
    xp = get_array_module(c)
    # argwhere: one row per true element, in row-major order; a read of the count on GPU
    return xp.ascontiguousarray(xp.argwhere(c).astype(np.int64, copy=False))
