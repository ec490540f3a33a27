"""sum: the elementwise sum of the tensors in X (backward adds fan-out gradients with it).

    Out = X[0] + X[1] + ...;  X@GRAD[i] = dOut

X may hold SelectedRows (sparse rows): see _sparse_sum.
"""
from minifluid.framework import same_shape
from minifluid.registry import grad_name, register_op
from minifluid.selected_rows import SelectedRows, merge_add

from .rules import like

op = register_op("sum", inputs=["X*"], outputs=["Out"], doc=__doc__, sparse=("X",))


@op.shape_rule
def _(op):
    xs = [op.block.var(n) for n in op.input("X")]
    first = xs[0]
    for v in xs[1:]:
        if v.dtype != first.dtype:
            raise TypeError(f"all inputs must have one dtype: '{first.name}' is {first.dtype}, "
                            f"'{v.name}' is {v.dtype}")
        if not same_shape(v.shape, first.shape):
            raise ValueError(f"all inputs must have one shape: '{first.name}' is "
                             f"{list(first.shape)}, '{v.name}' is {list(v.shape)}")
    return like(first)


@op.grad_maker
def _(op):
    dout = grad_name(op.output("Out")[0])
    return [dict(type="scale", inputs={"X": [dout]}, outputs={"Out": [grad_name(x)]},
                 attrs={"scale": 1.0}) for x in op.input("X")]


@op.kernel("float16", "float32", "float64", "int32", "int64")
def sum(xs):
    if any(x.__class__ is SelectedRows for x in xs):
        return _sparse_sum(xs)
    out = xs[0].copy() if len(xs) == 1 else xs[0] + xs[1]
    for x in xs[2:]:
        out += x
    return out


def _sparse_sum(xs):
    """SelectedRows in X: all of them sparse gives their sum as a SelectedRows, each row once
    (fluid's MergeAdd); else the dense inputs' sum with the sparse rows added in (a row
    given twice adds twice)."""
    dense = [x for x in xs if x.__class__ is not SelectedRows]
    if not dense:
        return merge_add(xs)
    out = dense[0].copy()
    for x in dense[1:]:
        out += x
    for x in xs:
        if x.__class__ is SelectedRows:
            x.add_to(out)
    return out
