"""sum: the elementwise sum of the tensors in X (backward adds fan-out gradients with it).

    Out = X[0] + X[1] + ...;  X@GRAD[i] = dOut
"""
from minifluid.framework import same_shape
from minifluid.registry import grad_name, register_op

from .rules import like

op = register_op("sum", inputs=["X*"], outputs=["Out"], doc=__doc__)


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
    out = xs[0].copy() if len(xs) == 1 else xs[0] + xs[1]
    for x in xs[2:]:
        out += x
    return out
