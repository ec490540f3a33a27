"""reverse: X with the order of its entries reversed along each of `axis`.

    Out = flip(X, axis);   X@GRAD = flip(dOut, axis)
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")

op = register_op("reverse", inputs=["X"], outputs=["Out"], attrs={"axis": []}, doc=__doc__)


@op.shape_rule
def _(op):
    x, axis = op.in_var("X"), list(op.attr("axis"))
    rank = len(x.shape)
    if not axis or not all(-rank <= a < rank for a in axis):
        raise ValueError(f"axis {axis} must be a nonempty list of dimensions of X ('{x.name}', "
                         f"rank {rank}), in [{-rank}, {rank - 1}]")
    return like(x)


@op.kernel(*DTYPES)
def reverse(x, *, axis):
    return get_array_module(x).flip(x, axis=tuple(a % x.ndim for a in axis)).copy()


@op.grad_maker
def _(op):
    return [dict(type="reverse", inputs={"X": [grad_name(op.output("Out")[0])]},
                 outputs={"Out": [grad_name(op.input("X")[0])]},
                 attrs={"axis": op.attr("axis")})]
