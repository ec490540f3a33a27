"""unique and unique_with_counts: the distinct values of a 1-D X, in the order they first
appear (fluid 1.8's order, not sorted), and where each entry of X went.

    Out:   the distinct values of X, first appearance first (length known when the op runs)
    Index: Out[Index[i]] = X[i] (int32, or int64 as the dtype attr names; X's shape)
    Count: (unique_with_counts) how many times each Out entry occurs in X (Index's dtype)

No gradient: the outputs are selections and counts, fluid 1.8 has none.
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import dtype_of, like

DTYPES = ("float32", "float64", "int32", "int64")
NO_GRAD = "a selection of distinct values and their positions; fluid 1.8 has no gradient"


def _rule(counts):
    def rule(op):
        x = op.in_var("X")
        if len(x.shape) != 1:
            raise ValueError(f"X ('{x.name}') must be 1-D, got shape {list(x.shape)}")
        index = dtype_of(op.attr("dtype"))
        if index.name not in ("int32", "int64"):
            raise TypeError(f"dtype (of Index) must be int32 or int64, got {index.name}")
        specs = {"Out": like(x, shape=(-1,)), "Index": like(x, dtype=index)}
        if counts:
            specs["Count"] = like(x, dtype=index, shape=(-1,))
        return specs
    return rule


def _unique(x, dtype):
    """(Out, Index, Count) by one sort: the sorted distinct values, reordered by where each
    first occurs."""
    xp = get_array_module(x)
    vals, first, inverse, counts = xp.unique(x, return_index=True, return_inverse=True,
                                             return_counts=True)
    order = xp.argsort(first)  # the distinct values by first appearance
    rank = xp.empty_like(order)
    rank[order] = xp.arange(order.size)
    index = dtype_of(dtype)
    return vals[order], rank[inverse.reshape(-1)].astype(index), counts[order].astype(index)


op = register_op("unique", inputs=["X"], outputs=["Out", "Index"], attrs={"dtype": 2},
                 doc=__doc__, no_grad=NO_GRAD)
op.shape_rule(_rule(counts=False))


@op.kernel(*DTYPES)
def unique(x, *, dtype):
    return _unique(x, dtype)[:2]


with_counts = register_op("unique_with_counts", inputs=["X"], outputs=["Out", "Index", "Count"],
                          attrs={"dtype": 2}, doc=__doc__, no_grad=NO_GRAD)
with_counts.shape_rule(_rule(counts=True))


@with_counts.kernel(*DTYPES)
def unique_with_counts(x, *, dtype):
    return _unique(x, dtype)
